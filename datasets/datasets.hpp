#pragma once
// The datasets layer in one include: IDX files, MNIST / Fashion-MNIST, Dataset, DataLoader, transforms.
#include <xgrad/datasets/dataloader.hpp>
#include <xgrad/datasets/dataset.hpp>
#include <xgrad/datasets/error.hpp>
#include <xgrad/datasets/idx.hpp>
#include <xgrad/datasets/mnist.hpp>
#include <xgrad/datasets/transforms.hpp>
