#pragma once
/// Line-oriented reading of the text formats the importers accept (SCALE-Sim .cfg and CSV):
/// errors name "file:line:column", the way compilers do, so editors can jump to them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tpusim::importers {

/// One physical line, without its line ending.
struct TextLine {
  uint32_t number = 0;  ///< 1-based
  std::string text;
};

/// A field of a line: its trimmed text and the 1-based column of its first character (of the
/// position where it would start, for an empty field).
struct TextField {
  std::string text;
  uint32_t column = 1;
};

/// Splits text into lines (LF or CRLF), dropping a UTF-8 byte order mark; InputError naming
/// `file`, the line and the column when the text is not valid UTF-8 (check_utf8, file_io.h).
std::vector<TextLine> split_lines(const std::string& text, const std::string& file);

/// Splits a line on `sep`, trimming spaces and tabs around each field.
std::vector<TextField> split_fields(const std::string& line, char sep);

/// Trims spaces, tabs and carriage returns at both ends.
std::string trim(std::string_view s);

/// Lowercases ASCII and collapses runs of spaces/tabs into one space (header and key matching).
std::string normalize_name(std::string_view s);

/// Parses a decimal integer made only of digits, in [min, max]; false otherwise.
bool parse_u64(std::string_view s, uint64_t min, uint64_t max, uint64_t& out);

/// "file:line:column: message" as an InputError.
[[noreturn]] void fail_at_line(const std::string& file, uint32_t line, uint32_t column, const std::string& message);

/// Quotes a value for a message, shortening long text: "\"abc\"", or "nothing" when empty.
std::string quote_found(std::string_view s);

}  // namespace tpusim::importers
