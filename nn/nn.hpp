#pragma once
// xgrad::nn in one include: modules and containers, every layer, functional forms, initializers,
// activations by name, losses and metrics. Each header can also be included on its own.
#include <xgrad/nn/activation_layers.hpp>
#include <xgrad/nn/activations.hpp>
#include <xgrad/nn/batchnorm.hpp>
#include <xgrad/nn/conv.hpp>
#include <xgrad/nn/dropout.hpp>
#include <xgrad/nn/functional.hpp>
#include <xgrad/nn/init.hpp>
#include <xgrad/nn/layer_error.hpp>
#include <xgrad/nn/layer_options.hpp>
#include <xgrad/nn/linear.hpp>
#include <xgrad/nn/losses.hpp>
#include <xgrad/nn/metrics.hpp>
#include <xgrad/nn/module.hpp>
#include <xgrad/nn/pooling.hpp>
#include <xgrad/nn/sequential.hpp>
#include <xgrad/nn/shape_layers.hpp>
