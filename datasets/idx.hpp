#pragma once
// IDX files: the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
//
// Layout, all integers big-endian:
//   byte 0-1   0x00 0x00
//   byte 2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte 3     number of dimensions d (1..4 accepted here)
//   byte 4..   d sizes, 4 bytes each
//   then       prod(sizes) elements, row-major, nothing after them
//
// read_idx accepts the raw file or its gzip (recognised by the magic bytes 1f 8b, inflated with
// zlib; concatenated gzip members count as one stream); parse_idx reads the same from memory. Everything is validated before it is trusted: the magic, the type, the dimension count,
// every size (> 0, at most 2^31 elements in all, checked before any allocation), truncation and
// trailing bytes. Each failure is a DataError naming the file, the byte offset, what was expected
// and what was found.
#include <xgrad/core/tensor.hpp>
#include <xgrad/datasets/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xg::datasets {

/// Element types of the IDX format (the value is the type byte of the header).
enum class IdxType : std::uint8_t { UInt8 = 0x08, Int8 = 0x09, Int16 = 0x0B, Int32 = 0x0C, Float32 = 0x0D, Float64 = 0x0E };

/// Size of one element in bytes (1, 1, 2, 4, 4, 8).
std::size_t idx_type_size(IdxType type);
/// "uint8", "int8", "int16", "int32", "float32" or "float64".
std::string_view idx_type_name(IdxType type);

/// The largest element count read_idx accepts (2^31): a header asking for more is corrupt.
inline constexpr std::int64_t kIdxMaxElements = std::int64_t{1} << 31;

/// Options of IdxArray::to_tensor.
struct IdxTensorOptions {
  /// Dtype of the result. Integer IDX data converts to any dtype, float data to float dtypes only.
  Dtype dtype = Dtype::Float32;
  /// Every element is multiplied by `scale` (float dtypes only): 1/255 maps pixels to [0, 1].
  double scale = 1.0;
  /// Convert only the first `rows` entries of the first axis (-1 or more than there are: all).
  std::int64_t rows = -1;
};

/// The contents of an IDX file.
struct IdxArray {
  Shape shape;
  IdxType type = IdxType::UInt8;
  /// The elements in row-major order and host byte order, idx_type_size(type) bytes each.
  std::vector<std::uint8_t> bytes;

  std::int64_t numel() const { return shape_numel(shape); }
  /// The elements (or the first options.rows rows) as a tensor: out = dtype(value * scale).
  Tensor to_tensor(const IdxTensorOptions& options = {}) const;
};

/// Reads and validates an IDX file, raw or gzip-compressed. Throws DataError.
IdxArray read_idx(const std::string& path);

/// Reads and validates the bytes of an IDX file held in memory, raw or gzip-compressed; `name`
/// stands for the file in messages. Throws DataError.
IdxArray parse_idx(std::string_view bytes, const std::string& name = "<memory>");

}  // namespace xg::datasets
