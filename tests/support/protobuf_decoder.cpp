#include "support/protobuf_decoder.hpp"

#include <stdexcept>

namespace agentrace::testing::protobuf {
namespace {

[[noreturn]] void malformed(const std::string& what, std::size_t pos) {
  throw std::runtime_error("malformed protobuf at byte " + std::to_string(pos) + ": " + what);
}

const char* type_name(WireType type) {
  switch (type) {
    case WireType::varint: return "varint";
    case WireType::fixed64: return "fixed64";
    case WireType::length_delimited: return "length-delimited";
    case WireType::fixed32: return "fixed32";
  }
  return "?";
}

std::uint64_t read_little_endian(std::string_view data, std::size_t& pos, std::size_t bytes) {
  if (data.size() - pos < bytes) malformed("truncated fixed-width value", pos);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
  pos += bytes;
  return v;
}

}  // namespace

std::uint64_t read_varint(std::string_view data, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos >= data.size()) malformed("truncated varint", pos);
    const auto byte = static_cast<unsigned char>(data[pos++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  malformed("varint longer than ten bytes", pos);
}

Message Message::parse(std::string_view data) {
  Message m;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t at = pos;
    const std::uint64_t key = read_varint(data, pos);
    const auto field = static_cast<std::uint32_t>(key >> 3);
    const auto type = static_cast<unsigned>(key & 7);
    if (field == 0 || (key >> 3) > 0x1FFFFFFF) malformed("invalid field number", at);
    FieldValue v;
    switch (type) {
      case 0:
        v.type = WireType::varint;
        v.number = read_varint(data, pos);
        break;
      case 1:
        v.type = WireType::fixed64;
        v.number = read_little_endian(data, pos, 8);
        break;
      case 2: {
        v.type = WireType::length_delimited;
        const std::uint64_t length = read_varint(data, pos);
        if (length > data.size() - pos) malformed("length past the end", pos);
        v.bytes = std::string(data.substr(pos, static_cast<std::size_t>(length)));
        pos += static_cast<std::size_t>(length);
        break;
      }
      case 5:
        v.type = WireType::fixed32;
        v.number = read_little_endian(data, pos, 4);
        break;
      default:
        malformed("wire type " + std::to_string(type) + " (groups or unknown)", at);
    }
    m.order_.emplace_back(field, v.type);
    m.fields_[field].push_back(std::move(v));
  }
  return m;
}

const std::vector<FieldValue>& Message::all(std::uint32_t field) const {
  static const std::vector<FieldValue> none;
  const auto it = fields_.find(field);
  return it == fields_.end() ? none : it->second;
}

std::vector<std::uint32_t> Message::field_numbers() const {
  std::vector<std::uint32_t> out;
  for (const auto& [number, values] : fields_) out.push_back(number);
  return out;
}

const FieldValue& Message::one(std::uint32_t field, WireType type) const {
  const auto& values = all(field);
  if (values.empty()) throw std::runtime_error("field " + std::to_string(field) + " is absent");
  if (values.size() != 1) {
    throw std::runtime_error("field " + std::to_string(field) + " appears " + std::to_string(values.size()) + " times");
  }
  if (values.front().type != type) {
    throw std::runtime_error("field " + std::to_string(field) + " has wire type " + type_name(values.front().type) +
                             ", expected " + type_name(type));
  }
  return values.front();
}

std::uint64_t Message::varint(std::uint32_t field) const { return one(field, WireType::varint).number; }
std::uint64_t Message::fixed64(std::uint32_t field) const { return one(field, WireType::fixed64).number; }
std::uint32_t Message::fixed32(std::uint32_t field) const {
  return static_cast<std::uint32_t>(one(field, WireType::fixed32).number);
}
std::string Message::bytes(std::uint32_t field) const { return one(field, WireType::length_delimited).bytes; }
Message Message::message(std::uint32_t field) const { return parse(bytes(field)); }

std::vector<Message> Message::messages(std::uint32_t field) const {
  std::vector<Message> out;
  for (const auto& v : all(field)) {
    if (v.type != WireType::length_delimited) {
      throw std::runtime_error("field " + std::to_string(field) + " is not length-delimited");
    }
    out.push_back(parse(v.bytes));
  }
  return out;
}

}  // namespace agentrace::testing::protobuf
