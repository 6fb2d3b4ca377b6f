#pragma once
// Every differentiable op family.
#include <xgrad/autograd/ops/arithmetic.hpp>
#include <xgrad/autograd/ops/compare.hpp>
#include <xgrad/autograd/ops/conv.hpp>
#include <xgrad/autograd/ops/copy.hpp>
#include <xgrad/autograd/ops/indexing.hpp>
#include <xgrad/autograd/ops/linalg.hpp>
#include <xgrad/autograd/ops/pool.hpp>
#include <xgrad/autograd/ops/reduction.hpp>
#include <xgrad/autograd/ops/shape.hpp>
#include <xgrad/autograd/ops/unary.hpp>
