// A schema-less protobuf wire-format decoder for tests: it knows the wire format and nothing of
// any .proto, so tests that walk what an encoder wrote, field number by field number, check
// the encoder against the schema they spell out themselves rather than against its own code.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentrace::testing::protobuf {

enum class WireType : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

struct FieldValue {
  WireType type = WireType::varint;
  std::uint64_t number = 0;  // varint, fixed64 and fixed32 values
  std::string bytes{};       // length-delimited values (strings, bytes, nested messages)
};

// One message: every field number with its values in the order they appeared.
class Message {
 public:
  // Throws std::runtime_error on anything that is not well-formed wire data: truncated varints
  // or values, lengths past the end, field number 0, group or unknown wire types.
  static Message parse(std::string_view data);

  [[nodiscard]] bool has(std::uint32_t field) const { return fields_.count(field) != 0; }
  // The values of `field` (empty when absent).
  [[nodiscard]] const std::vector<FieldValue>& all(std::uint32_t field) const;
  // The field numbers present, in increasing order.
  [[nodiscard]] std::vector<std::uint32_t> field_numbers() const;
  // Fields in the order they were written: (number, wire type).
  [[nodiscard]] const std::vector<std::pair<std::uint32_t, WireType>>& order() const noexcept { return order_; }

  // The single value of `field`, checked to have the wire type; throws std::runtime_error when
  // the field is absent, repeated, or of another wire type.
  [[nodiscard]] std::uint64_t varint(std::uint32_t field) const;
  [[nodiscard]] std::uint64_t fixed64(std::uint32_t field) const;
  [[nodiscard]] std::uint32_t fixed32(std::uint32_t field) const;
  [[nodiscard]] std::string bytes(std::uint32_t field) const;
  [[nodiscard]] Message message(std::uint32_t field) const;
  // Every value of a repeated message field, parsed.
  [[nodiscard]] std::vector<Message> messages(std::uint32_t field) const;

 private:
  const FieldValue& one(std::uint32_t field, WireType type) const;

  std::map<std::uint32_t, std::vector<FieldValue>> fields_;
  std::vector<std::pair<std::uint32_t, WireType>> order_;
};

// Reads one varint at data[pos], advancing pos; throws std::runtime_error when truncated or
// longer than ten bytes.
std::uint64_t read_varint(std::string_view data, std::size_t& pos);

}  // namespace agentrace::testing::protobuf
