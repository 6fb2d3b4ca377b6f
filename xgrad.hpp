#pragma once
// xgrad: the whole public API in one include. Each part can also be included on its own,
// e.g. <xgrad/nn/linear.hpp>. None of these headers include xtensor, TBB or Graphviz.
#include <xgrad/core/allocator.hpp>
#include <xgrad/core/creation.hpp>
#include <xgrad/core/dtype.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/random.hpp>
#include <xgrad/core/shape.hpp>
#include <xgrad/core/tensor.hpp>
#include <xgrad/core/version.hpp>

#include <xgrad/autograd/engine.hpp>
#include <xgrad/autograd/function.hpp>
#include <xgrad/autograd/gradcheck.hpp>
#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops/ops.hpp>

#include <xgrad/nn/nn.hpp>

#include <xgrad/optim/optim.hpp>

#include <xgrad/datasets/datasets.hpp>

#include <xgrad/io/module_io.hpp>
#include <xgrad/io/safetensors.hpp>

#include <xgrad/train/callbacks.hpp>
#include <xgrad/train/history.hpp>
#include <xgrad/train/model.hpp>
#include <xgrad/train/sequential.hpp>

#include <xgrad/viz/image_grid.hpp>
#include <xgrad/viz/plot_graph.hpp>
#include <xgrad/viz/plot_model.hpp>
#include <xgrad/viz/profile.hpp>
