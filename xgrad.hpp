#pragma once
// xgrad: the whole public API in one include. Each part can also be included on its own,
// e.g. <xgrad/autograd/ops/unary.hpp>. None of these headers include xtensor, TBB or Graphviz.
#include <xgrad/core/allocator.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/dtype.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/random.hpp>
#include <xgrad/core/shape.hpp>
#include <xgrad/core/tensor.hpp>

#include <xgrad/autograd/engine.hpp>
#include <xgrad/autograd/function.hpp>
#include <xgrad/autograd/gradcheck.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>
