#pragma once
// The exception of the datasets layer. A DataError says which file is wrong, at which byte, what
// was expected there and what was found — or, for data that is not installed, every folder that
// was searched and the command that installs it.
#include <xgrad/core/error.hpp>

#include <cstdint>
#include <string>

namespace xg::datasets {

/// A data file is missing, unreadable or malformed.
class DataError : public Error {
 public:
  using Error::Error;
};

/// 47040000 -> "47,040,000": byte counts in messages are easier to compare with digit groups.
std::string group_digits(std::int64_t value);

}  // namespace xg::datasets
