#pragma once
// The optim layer in one include: optimizers, Keras names, LR schedulers and gradient clipping.
#include <xgrad/optim/adadelta.hpp>
#include <xgrad/optim/adagrad.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/clip.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/make_optimizer.hpp>
#include <xgrad/optim/optimizer.hpp>
#include <xgrad/optim/reduce_lr_on_plateau.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>
