#pragma once
// (being written)
#include <xgrad/core/tensor.hpp>
