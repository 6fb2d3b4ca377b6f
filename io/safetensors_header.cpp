// Safetensors header encoding and validation (see safetensors_header.hpp).
//
// Parsing runs in three passes over the header bytes:
//   1. framing: strict UTF-8 and a leading '{' (the reference rejects anything else);
//   2. nlohmann::json with a parser callback that rejects duplicate keys, nesting deeper than
//      kMaxDepth and arrays longer than kMaxArrayElements (a header only holds short arrays:
//      shapes and offsets; the cap keeps a hostile 100 MB array from costing gigabytes). The
//      input iterator records how far the parser has read, so the callback knows the byte offset
//      of every key and errors can point at the offending entry;
//   3. semantic checks of each entry (types, dtype, shape, offsets, sizes), then of the layout:
//      sorted by offset, the tensors must tile the data section exactly — no overlap, no gap and
//      no trailing bytes, as the reference implementation requires.
#include <xgrad/io/safetensors_header.hpp>

#include <xgrad/io/errors.hpp>
#include <xgrad/io/utf8.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <limits>
#include <set>
#include <tuple>

namespace xg::io::detail {
namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxArrayElements = 1024;
constexpr std::uint64_t kPrefixBytes = 8;
constexpr const char* kMetadataKey = "__metadata__";

// Every dtype of the safetensors spec with its element size.
constexpr std::array<FileDtype, 15> kFileDtypes{{{"BOOL", 1},
                                                 {"U8", 1},
                                                 {"I8", 1},
                                                 {"F8_E5M2", 1},
                                                 {"F8_E4M3", 1},
                                                 {"I16", 2},
                                                 {"U16", 2},
                                                 {"F16", 2},
                                                 {"BF16", 2},
                                                 {"I32", 4},
                                                 {"U32", 4},
                                                 {"F32", 4},
                                                 {"F64", 8},
                                                 {"I64", 8},
                                                 {"U64", 8}}};

[[noreturn]] void fail(const std::string& file, std::uint64_t byte, const std::string& expected,
                       const std::string& found, const std::string& tensor = {}) {
  throw FormatError(kSafetensors, file, byte, expected, found, tensor);
}

/// A JSON value for a message, shortened when long.
std::string show(const json& value) {
  std::string text = value.dump();
  constexpr std::size_t kMaxShown = 60;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

std::string show_byte(unsigned char byte) {
  std::array<char, 16> buf{};
  if (byte >= 0x20 && byte < 0x7F) std::snprintf(buf.data(), buf.size(), "'%c'", byte);
  else std::snprintf(buf.data(), buf.size(), "byte 0x%02X", byte);
  return buf.data();
}

std::string show_range(std::uint64_t begin, std::uint64_t end) {
  std::string text(1, '[');  // built by appending: GCC 12 warns falsely on "literal" + std::string&&
  text += std::to_string(begin);
  text += ", ";
  text += std::to_string(end);
  text += ']';
  return text;
}

/// Forward iterator over the header bytes that records the furthest position the parser read.
class TrackingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* at, const char** furthest) : at_(at), furthest_(furthest) {}
  reference operator*() const { return *at_; }
  TrackingIterator& operator++() {
    if (++at_ > *furthest_) *furthest_ = at_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const TrackingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** furthest_;
};

/// JSON parsing with duplicate-key, depth and array-length checks and the file offset of each
/// top-level key.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : text_(text), file_(file), read_(text.data()) {}

  json parse() {
    TrackingIterator first(text_.data(), &read_), last(text_.data() + text_.size(), &read_);
    try {
      return json::parse(first, last, [this](int depth, json::parse_event_t event, json& parsed) {
        on_event(depth, event, parsed);
        return true;
      });
    } catch (const json::parse_error& e) {
      // e.byte counts the bytes read, so the offending byte is the last one.
      const std::uint64_t at = kPrefixBytes + (e.byte > 0 ? e.byte - 1 : 0);
      fail(file_, at, "a valid JSON header", describe(e), current_tensor());
    } catch (const json::exception& e) {
      fail(file_, kPrefixBytes + offset(read_), "a valid JSON header", describe(e), current_tensor());
    }
  }

  /// File offset of a top-level key's opening quote.
  std::uint64_t key_offset(const std::string& key) const { return key_offsets_.at(key); }

 private:
  /// An object or array the parser is inside.
  struct Open {
    bool is_array = false;
    std::size_t elements = 0;     // arrays
    std::set<std::string> keys;   // objects
  };

  void on_event(int depth, json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        count_element();
        if (depth >= kMaxDepth)
          fail(file_, kPrefixBytes + offset(read_) - 1, "JSON nested at most " + std::to_string(kMaxDepth) + " levels deep",
               "deeper nesting", current_tensor());
        open_.emplace_back();
        open_.back().is_array = event == json::parse_event_t::array_start;
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: open_.pop_back(); break;
      case json::parse_event_t::key: on_key(depth, parsed.get_ref<const std::string&>()); break;
      case json::parse_event_t::value: count_element(); break;
    }
  }

  /// Counts a value that starts inside the innermost open array.
  void count_element() {
    if (open_.empty() || !open_.back().is_array) return;
    if (++open_.back().elements > kMaxArrayElements)
      fail(file_, kPrefixBytes + offset(read_) - 1,
           "JSON arrays of at most " + std::to_string(kMaxArrayElements) + " elements", "a longer array",
           current_tensor());
  }

  void on_key(int depth, const std::string& key) {
    const std::uint64_t at = kPrefixBytes + key_start();
    if (depth == 1) current_key_ = key;
    if (!open_.back().keys.insert(key).second)
      fail(file_, at, "unique keys in each JSON object", "the key \"" + key + "\" a second time",
           depth == 1 ? std::string() : current_tensor());
    if (depth == 1) key_offsets_[key] = at;
  }

  /// Offset in the header of the opening quote of the key the parser just read. The parser
  /// stops right after the closing quote; walk back to the first quote not escaped by an odd
  /// run of backslashes.
  std::uint64_t key_start() const {
    const char* begin = text_.data();
    const char* quote = read_ - 1;
    while (quote > begin) {
      --quote;
      if (*quote != '"') continue;
      std::size_t backslashes = 0;
      for (const char* b = quote; b > begin && b[-1] == '\\'; --b) ++backslashes;
      if (backslashes % 2 == 0) break;
    }
    return offset(quote);
  }

  /// The tensor whose entry the parser is in ("" outside entries and in "__metadata__").
  std::string current_tensor() const { return current_key_ == kMetadataKey ? std::string() : current_key_; }

  std::uint64_t offset(const char* at) const { return static_cast<std::uint64_t>(at - text_.data()); }

  /// nlohmann's message without its "[json.exception...] parse error at line 1, column 9: " prefix.
  static std::string describe(const json::exception& e) {
    std::string text = e.what();
    const std::size_t colon = text.find(": ");
    return colon == std::string::npos ? text : text.substr(colon + 2);
  }

  std::string_view text_;
  const std::string& file_;
  const char* read_;
  std::vector<Open> open_;
  std::map<std::string, std::uint64_t> key_offsets_;
  std::string current_key_;
};

/// Validation of one header entry; `at` is the file offset of its name.
class EntryChecker {
 public:
  EntryChecker(const std::string& file, const std::string& name, std::uint64_t at)
      : file_(file), name_(name), at_(at) {}

  HeaderEntry check(const json& info, std::uint64_t data_size) const {
    if (!info.is_object()) error("an object with \"dtype\", \"shape\" and \"data_offsets\"", show(info));
    HeaderEntry entry;
    entry.name = name_;
    entry.entry_offset = at_;
    entry.dtype = check_dtype(field(info, "dtype"));
    entry.shape = check_shape(field(info, "shape"));
    entry.numel = checked_numel(entry.shape);
    const auto [begin, end] = check_offsets(field(info, "data_offsets"));
    entry.begin = begin;
    entry.end = end;
    if (end > data_size)
      error("data_offsets within the data section of " + std::to_string(data_size) + " bytes", show_range(begin, end));
    std::uint64_t nbytes = 0;
    if (__builtin_mul_overflow(static_cast<std::uint64_t>(entry.numel), entry.dtype->size, &nbytes))
      error("a byte size that fits in 64 bits", "shape " + shape_str(entry.shape) + " of " +
                                                    std::string(entry.dtype->code));
    if (end - begin != nbytes)
      error("data_offsets spanning " + std::to_string(nbytes) + " bytes (shape " + shape_str(entry.shape) + " of " +
                std::string(entry.dtype->code) + ", " + std::to_string(entry.dtype->size) + " bytes each)",
            show_range(begin, end) + ", spanning " + std::to_string(end - begin) + " bytes");
    return entry;
  }

 private:
  [[noreturn]] void error(const std::string& expected, const std::string& found) const {
    fail(file_, at_, expected, found, name_);
  }

  const json& field(const json& info, const char* key) const {
    const auto it = info.find(key);
    if (it == info.end()) error(std::string("a \"") + key + "\" field", "none in " + show(info));
    return *it;
  }

  const FileDtype* check_dtype(const json& dtype) const {
    if (!dtype.is_string()) error("\"dtype\" to be a string", show(dtype));
    const FileDtype* found = find_file_dtype(dtype.get_ref<const std::string&>());
    if (found == nullptr) {
      std::string codes;
      for (const auto& d : kFileDtypes) codes += (codes.empty() ? "" : ", ") + std::string(d.code);
      error("\"dtype\" to be one of " + codes, show(dtype));
    }
    return found;
  }

  /// A JSON integer >= 0 that fits in `limit`.
  static bool is_count(const json& value, std::uint64_t limit) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= limit;
    return value.is_number_integer() && value.get<std::int64_t>() == 0;  // "-0"
  }

  Shape check_shape(const json& shape) const {
    if (!shape.is_array()) error("\"shape\" to be an array of non-negative integers", show(shape));
    Shape dims;
    dims.reserve(shape.size());
    for (const json& d : shape) {
      if (!is_count(d, std::numeric_limits<std::int64_t>::max()))
        error("\"shape\" to hold integers in [0, 2^63)", show(d) + " in " + show(shape));
      dims.push_back(d.get<std::int64_t>());
    }
    return dims;
  }

  /// Element count, checked so that neither it nor any row-major stride overflows int64.
  std::int64_t checked_numel(const Shape& shape) const {
    std::int64_t product = 1;
    bool has_zero = false;
    for (std::int64_t d : shape) {
      if (d == 0) has_zero = true;
      else if (__builtin_mul_overflow(product, d, &product))
        error("a shape whose element count fits in 64 bits", shape_str(shape));
    }
    return has_zero ? 0 : product;
  }

  std::pair<std::uint64_t, std::uint64_t> check_offsets(const json& offsets) const {
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    if (!offsets.is_array() || offsets.size() != 2 || !is_count(offsets[0], max) || !is_count(offsets[1], max))
      error("\"data_offsets\" to be [begin, end], two non-negative integers", show(offsets));
    const std::uint64_t begin = offsets[0].get<std::uint64_t>(), end = offsets[1].get<std::uint64_t>();
    if (begin > end) error("data_offsets [begin, end] with begin <= end", show_range(begin, end));
    return {begin, end};
  }

  const std::string& file_;
  const std::string& name_;
  std::uint64_t at_;
};

std::map<std::string, std::string> check_metadata(const json& metadata, const std::string& file, std::uint64_t at) {
  const std::string expected = "\"__metadata__\" to be an object mapping strings to strings";
  if (!metadata.is_object()) fail(file, at, expected, show(metadata));
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : metadata.items()) {
    if (!value.is_string()) fail(file, at, expected, "\"" + key + "\": " + show(value));
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

/// Sorted by offset, the entries must tile [0, data_size) exactly.
void check_layout(std::vector<HeaderEntry>& entries, std::uint64_t data_start, std::uint64_t data_size,
                  const std::string& file) {
  std::sort(entries.begin(), entries.end(), [](const HeaderEntry& a, const HeaderEntry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  std::uint64_t cursor = 0;
  const HeaderEntry* previous = nullptr;
  for (const HeaderEntry& e : entries) {
    if (e.begin < cursor)
      fail(file, data_start + e.begin, "tensor data not overlapping other tensors (next free data offset " + std::to_string(cursor) + ")",
           "data_offsets " + show_range(e.begin, e.end) + " overlapping tensor '" + previous->name + "' " +
               show_range(previous->begin, previous->end),
           e.name);
    if (e.begin > cursor)
      fail(file, data_start + cursor, "tensor data contiguous from data offset " + std::to_string(cursor),
           "a gap of " + std::to_string(e.begin - cursor) + " unused bytes before data_offsets " + show_range(e.begin, e.end),
           e.name);
    cursor = e.end;
    previous = &e;
  }
  if (cursor != data_size)
    fail(file, data_start + cursor,
         "the data section (" + std::to_string(data_size) + " bytes) to end with the last tensor at data offset " +
             std::to_string(cursor),
         std::to_string(data_size - cursor) + " unused trailing bytes");
}

}  // namespace

const FileDtype* find_file_dtype(std::string_view code) {
  for (const auto& d : kFileDtypes)
    if (d.code == code) return &d;
  return nullptr;
}

std::uint64_t checked_header_length(std::uint64_t length, std::uint64_t file_size, const std::string& file) {
  if (length > kMaxHeaderBytes)
    fail(file, 0, "a header length of at most " + std::to_string(kMaxHeaderBytes) + " bytes", std::to_string(length));
  if (length > file_size - kPrefixBytes)
    fail(file, 0,
         "a header length of at most " + std::to_string(file_size - kPrefixBytes) + " bytes (the file has " +
             std::to_string(file_size) + " bytes)",
         std::to_string(length));
  return length;
}

Header parse_header(std::string_view text, std::uint64_t file_size, const std::string& file) {
  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string_view::npos)
    fail(file, kPrefixBytes + bad, "a UTF-8 JSON header",
         "an ill-formed UTF-8 sequence starting with " + show_byte(static_cast<unsigned char>(text[bad])));
  if (text.empty() || text.front() != '{')
    fail(file, kPrefixBytes, "a JSON object starting with '{'",
         text.empty() ? std::string("an empty header") : show_byte(static_cast<unsigned char>(text.front())));

  HeaderParser parser(text, file);
  const json root = parser.parse();
  if (!root.is_object()) fail(file, kPrefixBytes, "a JSON object", show(root));

  Header header;
  header.data_start = kPrefixBytes + text.size();
  const std::uint64_t data_size = file_size - header.data_start;
  for (const auto& [name, value] : root.items()) {
    const std::uint64_t at = parser.key_offset(name);
    if (name == kMetadataKey) header.metadata = check_metadata(value, file, at);
    else header.entries.push_back(EntryChecker(file, name, at).check(value, data_size));
  }
  check_layout(header.entries, header.data_start, data_size, file);
  return header;
}

std::string encode_header(const std::vector<EncodeEntry>& entries, const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  if (!metadata.empty()) root[kMetadataKey] = metadata;
  std::uint64_t offset = 0;
  for (const EncodeEntry& e : entries) {
    nlohmann::ordered_json info = nlohmann::ordered_json::object();
    info["dtype"] = std::string(e.dtype_code);
    info["shape"] = e.shape;
    info["data_offsets"] = nlohmann::ordered_json::array({offset, offset + e.nbytes});
    root[e.name] = std::move(info);
    offset += e.nbytes;
  }
  std::string text = root.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace xg::io::detail
