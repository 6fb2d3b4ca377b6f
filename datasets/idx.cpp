// IDX reading in three steps: an IdxByteSource (idx_source.hpp) delivers the uncompressed bytes of a
// raw or gzip file, or of the same in memory, and counts them; read_header validates the header;
// read_payload reads exactly the element bytes the header promises and checks that nothing follows
// them. Byte counts are checked before memory is allocated: raw data's size is known up front, and
// a gzip stream's buffer grows only as its data actually arrives, so a corrupt header can never
// make the reader allocate gigabytes.
#include <xgrad/datasets/idx.hpp>

#include <xgrad/core/dispatch.hpp>
#include <xgrad/core/parallel.hpp>
#include <xgrad/core/tensor_impl.hpp>
#include <xgrad/datasets/idx_source.hpp>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <type_traits>

namespace xg::datasets {
namespace {

using detail::IdxByteSource;

[[noreturn]] void fail(const std::string& path, const std::string& what) { detail::idx_fail(path, what); }

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(b));
  return buf;
}

// "60,000 x 28 x 28".
std::string dims_str(const std::vector<std::uint32_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + group_digits(dims[i]);
  return s;
}

std::string bytes_str(std::int64_t n) { return group_digits(n) + (n == 1 ? " byte" : " bytes"); }

bool valid_type(std::uint8_t b) {
  switch (static_cast<IdxType>(b)) {
    case IdxType::UInt8: case IdxType::Int8: case IdxType::Int16:
    case IdxType::Int32: case IdxType::Float32: case IdxType::Float64: return true;
  }
  return false;
}

// Calls f.template operator()<S>() with the C++ type of an IDX element type.
template <class F> decltype(auto) visit_idx_type(IdxType type, F&& f) {
  switch (type) {
    case IdxType::UInt8: return f.template operator()<std::uint8_t>();
    case IdxType::Int8: return f.template operator()<std::int8_t>();
    case IdxType::Int16: return f.template operator()<std::int16_t>();
    case IdxType::Int32: return f.template operator()<std::int32_t>();
    case IdxType::Float32: return f.template operator()<float>();
    case IdxType::Float64: return f.template operator()<double>();
  }
  throw ValueError("unknown IDX element type " + hex_byte(static_cast<std::uint8_t>(type)));
}

struct Header {
  IdxType type = IdxType::UInt8;
  std::vector<std::uint32_t> dims;
  std::int64_t header_bytes = 0;
  std::int64_t numel = 0;
  std::int64_t data_bytes = 0;
  // "60,000 x 28 x 28 uint8", for messages.
  std::string describe() const { return dims_str(dims) + " " + std::string(idx_type_name(type)); }
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

Header read_header(IdxByteSource& src) {
  const std::string& path = src.name();
  std::uint8_t magic[4] = {0, 0, 0, 0};
  const auto got = static_cast<std::int64_t>(src.read(magic, 4));
  if (got < 4)
    fail(path, "truncated at byte " + group_digits(got) + ": expected the 4-byte IDX magic number (0x00 0x00 type rank), found " +
                   (got == 0 ? std::string("an empty file") : bytes_str(got)) + src.end_note());
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, "bad IDX magic at byte 0: expected 0x00 0x00, found " + hex_byte(magic[0]) + " " + hex_byte(magic[1]) +
                   " (not an IDX file)");
  if (!valid_type(magic[2]))
    fail(path, "unsupported IDX element type at byte 2: expected 0x08 (uint8), 0x09 (int8), 0x0B (int16), "
               "0x0C (int32), 0x0D (float32) or 0x0E (float64), found " + hex_byte(magic[2]));
  const int rank = magic[3];
  if (rank < 1 || rank > 4)
    fail(path, "bad IDX dimension count at byte 3: expected 1 to 4 dimensions, found " + std::to_string(rank));

  Header h;
  h.type = static_cast<IdxType>(magic[2]);
  h.header_bytes = 4 + 4 * rank;
  std::uint8_t raw[16];
  const auto got_dims = static_cast<std::int64_t>(src.read(raw, static_cast<std::size_t>(4 * rank)));
  if (got_dims < 4 * rank)
    fail(path, "truncated at byte " + group_digits(4 + got_dims) + ": expected " + bytes_str(4 * rank) + " of sizes for " +
                   std::to_string(rank) + " dimensions after the 4-byte magic, found " + bytes_str(got_dims) + src.end_note());
  for (int i = 0; i < rank; ++i) h.dims.push_back(big_endian_u32(raw + 4 * i));
  for (int i = 0; i < rank; ++i)
    if (h.dims[i] == 0)
      fail(path, "bad IDX size at byte " + std::to_string(4 + 4 * i) + ": expected dimension " + std::to_string(i) +
                     " to be > 0, found 0 (sizes " + dims_str(h.dims) + ")");
  // Up to four 32-bit sizes: the product can exceed 64 bits, so the check runs in double (exact
  // far beyond the 2^31 limit) and nothing is allocated before it passes.
  double elements = 1.0;
  for (auto d : h.dims) elements *= static_cast<double>(d);
  if (elements > static_cast<double>(kIdxMaxElements)) {
    char count[64];
    if (elements < 9e15)
      std::snprintf(count, sizeof count, "%s", group_digits(static_cast<std::int64_t>(elements)).c_str());
    else
      std::snprintf(count, sizeof count, "about %.3g", elements);
    fail(path, "IDX sizes at byte 4 are too large: expected at most " + group_digits(kIdxMaxElements) +
                   " (2^31) elements, found " + dims_str(h.dims) + " = " + count + " elements (corrupt header?)");
  }
  h.numel = static_cast<std::int64_t>(elements);
  h.data_bytes = h.numel * static_cast<std::int64_t>(idx_type_size(h.type));
  return h;
}

[[noreturn]] void fail_truncated(const IdxByteSource& src, const Header& h, std::int64_t found) {
  fail(src.name(), "truncated at byte " + group_digits(h.header_bytes + found) + ": expected " + bytes_str(h.data_bytes) +
                       " of data (" + h.describe() + ") after the " + std::to_string(h.header_bytes) +
                       "-byte header, found " + group_digits(found) + src.end_note());
}

[[noreturn]] void fail_trailing(const IdxByteSource& src, const Header& h, std::int64_t extra) {
  const std::int64_t end = h.header_bytes + h.data_bytes;
  fail(src.name(), "trailing bytes at byte " + group_digits(end) + ": expected the " +
                       std::string(src.gzip() ? "uncompressed data" : "file") + " to end after the " + h.describe() +
                       " data (" + bytes_str(end) + "), found " + bytes_str(extra) + " more");
}

// Reads the data bytes. Raw files: the size is compared before allocating. Gzip files: the buffer
// grows geometrically (from 1 MiB) as data arrives, then the stream must end.
std::vector<std::uint8_t> read_payload(IdxByteSource& src, const Header& h) {
  std::vector<std::uint8_t> bytes;
  if (!src.gzip()) {
    const std::int64_t available = src.raw_size() - h.header_bytes;
    if (available < h.data_bytes) fail_truncated(src, h, available);
    if (available > h.data_bytes) fail_trailing(src, h, available - h.data_bytes);
    bytes.resize(static_cast<std::size_t>(h.data_bytes));
    const auto got = static_cast<std::int64_t>(src.read(bytes.data(), bytes.size()));
    if (got < h.data_bytes) fail_truncated(src, h, got);  // the file shrank while being read
    return bytes;
  }
  std::int64_t have = 0;
  while (have < h.data_bytes) {
    const std::int64_t next = std::min(h.data_bytes, std::max<std::int64_t>(2 * have, std::int64_t{1} << 20));
    bytes.resize(static_cast<std::size_t>(next));
    const auto got = static_cast<std::int64_t>(src.read(bytes.data() + have, static_cast<std::size_t>(next - have)));
    have += got;
    if (have < next) fail_truncated(src, h, have);
  }
  std::int64_t extra = 0;
  std::vector<std::uint8_t> scratch(1 << 16);
  while (const auto got = src.read(scratch.data(), scratch.size())) extra += static_cast<std::int64_t>(got);
  if (extra > 0) fail_trailing(src, h, extra);
  src.check_complete();
  return bytes;
}

// IDX stores multi-byte elements big-endian; convert them in place to the host order.
void to_host_order(std::vector<std::uint8_t>& bytes, std::size_t element_size) {
  if constexpr (std::endian::native == std::endian::big) return;
  if (element_size == 1) return;
  const auto n = static_cast<std::int64_t>(bytes.size() / element_size);
  std::uint8_t* p = bytes.data();
  parallel_for(0, n, 1 << 16, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) std::reverse(p + i * element_size, p + (i + 1) * element_size);
  });
}

}  // namespace

std::size_t idx_type_size(IdxType type) {
  return visit_idx_type(type, []<class S>() { return sizeof(S); });
}

std::string_view idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::UInt8: return "uint8";
    case IdxType::Int8: return "int8";
    case IdxType::Int16: return "int16";
    case IdxType::Int32: return "int32";
    case IdxType::Float32: return "float32";
    case IdxType::Float64: return "float64";
  }
  return "unknown";
}

namespace {

IdxArray read_from(IdxByteSource src) {
  const Header h = read_header(src);
  IdxArray out;
  out.type = h.type;
  out.shape.assign(h.dims.begin(), h.dims.end());
  out.bytes = read_payload(src, h);
  to_host_order(out.bytes, idx_type_size(h.type));
  return out;
}

}  // namespace

IdxArray read_idx(const std::string& path) { return read_from(IdxByteSource::open_file(path)); }

IdxArray parse_idx(std::string_view bytes, const std::string& name) {
  return read_from(IdxByteSource::from_memory(bytes, name));
}

Tensor IdxArray::to_tensor(const IdxTensorOptions& options) const {
  const char* op = "IdxArray::to_tensor";
  const std::size_t element = idx_type_size(type);
  if (shape.empty() || bytes.size() != static_cast<std::size_t>(numel()) * element)
    throw ValueError(std::string(op) + ": the array holds " + std::to_string(bytes.size()) + " bytes but shape " +
                     shape_str(shape) + " of " + std::string(idx_type_name(type)) + " needs " +
                     std::to_string(numel() * static_cast<std::int64_t>(element)));
  const bool float_source = type == IdxType::Float32 || type == IdxType::Float64;
  if (!is_floating(options.dtype) && (float_source || options.scale != 1.0))
    throw ValueError(std::string(op) + ": cannot convert " + std::string(idx_type_name(type)) + " data with scale " +
                     std::to_string(options.scale) + " to int64; use a float dtype");
  if (options.rows < -1) throw ValueError(std::string(op) + ": rows must be -1 (all) or >= 0, got " + std::to_string(options.rows));
  Shape out_shape = shape;
  if (options.rows >= 0) out_shape[0] = std::min(out_shape[0], options.rows);
  Tensor out = empty_tensor(out_shape, options.dtype);
  const std::int64_t n = out.numel();
  const double scale = options.scale;
  dispatch_all(options.dtype, [&]<class T>() {
    T* dst = out.data<T>();
    visit_idx_type(type, [&]<class S>() {
      const std::uint8_t* src = bytes.data();
      parallel_for(0, n, 1 << 15, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
          S v;
          std::memcpy(&v, src + i * sizeof(S), sizeof(S));
          if constexpr (std::is_floating_point_v<T>)
            dst[i] = static_cast<T>(static_cast<double>(v) * scale);
          else
            dst[i] = static_cast<T>(v);
        }
      });
    });
  });
  return out;
}

}  // namespace xg::datasets
