#include "sim/spec/json_reader.h"
#include "sim/spec/json_parse.h"

#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/one_line.h"
#include "sim/base/file_io.h"

namespace tpusim::config {

void fail_at(const std::string& file, const std::string& pointer, const std::string& message) {
  throw InputError(one_line(fmt::format("{}: {}: {}", file, pointer.empty() ? "/" : pointer, message)));
}

namespace {

/// Watches the parse as it goes: rejects an object key given twice (JSON parsers keep the last
/// one silently, which hides a typo'd copy) and nesting deeper than kMaxJsonDepth, and tracks the
/// JSON pointer of the value being parsed so that an error the parser raises itself (a number
/// beyond double's range) can name where it is. nlohmann's parser copies its callback, so the
/// state lives behind a shared pointer that the caller keeps.
class ParseWatch {
 public:
  struct State {
    explicit State(std::string f) : file(std::move(f)) {}
    struct Frame {
      bool is_array;
      size_t index;
      std::set<std::string> keys;
      std::string key;
    };
    std::string file;
    std::vector<Frame> frames;
    std::string pointer() const {
      std::string p;
      for (const auto& f : frames) p += "/" + (f.is_array ? std::to_string(f.index) : pointer_escape(f.key));
      return p;
    }
  };
  explicit ParseWatch(std::shared_ptr<State> state) : s_(std::move(state)) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        // The parser itself keeps its own stack, but the readers, the echo and the compare walk
        // documents recursively: a bound here keeps every later walk off the end of the stack.
        if (s_->frames.size() >= kMaxJsonDepth)
          fail_at(s_->file, s_->pointer(),
                  fmt::format("nested deeper than {} levels of objects and arrays", kMaxJsonDepth));
        s_->frames.push_back({event == json::parse_event_t::array_start, 0, {}, {}});
        break;
      case json::parse_event_t::key: {
        auto& f = s_->frames.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) fail_at(s_->file, s_->pointer(), "duplicate key; each key may appear once");
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        s_->frames.pop_back();
        element_done();
        break;
      case json::parse_event_t::value: element_done(); break;
    }
    return true;
  }

 private:
  void element_done() {
    if (!s_->frames.empty() && s_->frames.back().is_array) ++s_->frames.back().index;
  }
  std::shared_ptr<State> s_;
};

/// nlohmann's message from its "parse error" or "number overflow" on (without the exception id).
std::string reason_of(const json::exception& e) {
  std::string what = e.what();
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

}  // namespace

json load_json_file(const std::string& path) { return parse_json_text(read_file(path), path); }

json parse_json_strict(const std::string& text, const std::string& file) {
  auto state = std::make_shared<ParseWatch::State>(file);
  try {
    return json::parse(text, ParseWatch(state));
  } catch (const json::out_of_range& e) {
    // 406 "number overflow parsing '1e400'": the only out_of_range the parser raises; the pointer
    // is that of the value being read.
    const std::string reason = reason_of(e);
    const auto open = reason.find('\''), close = reason.rfind('\'');
    std::string number = open < close ? reason.substr(open + 1, close - open - 1) : reason;
    if (number.size() > 40) number = number.substr(0, 37) + "...";  // as describe() shortens values
    fail_at(file, state->pointer(),
            fmt::format("must be a number within a double's range (magnitude up to about 1.8e308), got {}", number));
  }
}

json parse_json_text(const std::string& text, const std::string& file) {
  try {
    return parse_json_strict(text, file);
  } catch (const json::parse_error& e) {
    // nlohmann's message carries "at line L, column C: ..."; keep the part after the prefix.
    std::string what = e.what();
    const auto pos = what.find("parse error");
    throw InputError(fmt::format("{}: malformed JSON: {}", file, pos == std::string::npos ? what : what.substr(pos)));
  }
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return v.empty() ? "an empty array" : fmt::format("an array of {}", v.size());
    case json::value_t::null: return "null";
    default: {
      std::string s = v.dump();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return s;
    }
  }
}

std::string pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

ObjectReader::ObjectReader(const json& value, std::string file, std::string pointer)
    : value_(value), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!value_.is_object()) fail_at(file_, pointer_, "must be an object, got " + describe(value_));
}

bool ObjectReader::has(const std::string& key) const {
  read_.insert(key);
  return value_.contains(key);
}

void ObjectReader::fail(const std::string& key, const std::string& message) const {
  fail_at(file_, pointer_of(key), message);
}

const json& ObjectReader::raw(const std::string& key) {
  read_.insert(key);
  auto it = value_.find(key);
  if (it == value_.end()) fail(key, "is required but missing");
  return *it;
}

uint64_t as_u64(const json& v, const std::string& file, const std::string& pointer, uint64_t min, uint64_t max) {
  const std::string want = fmt::format("must be an integer in [{}, {}]", min, max);
  uint64_t out = 0;
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
  } else if (v.is_number_integer()) {  // signed: built in code, or negative in a file
    if (v.get<int64_t>() < 0) fail_at(file, pointer, want + ", got " + describe(v));
    out = static_cast<uint64_t>(v.get<int64_t>());
  } else if (v.is_number_float()) {
    // 1e15 or 64.0 written as floats: accept whole numbers, reject fractions.
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0 || d != std::floor(d) || d > 1.8e19)
      fail_at(file, pointer, want + ", got " + describe(v));
    out = static_cast<uint64_t>(d);
  } else {
    fail_at(file, pointer, want + ", got " + describe(v));
  }
  if (out < min || out > max) fail_at(file, pointer, want + ", got " + describe(v));
  return out;
}

uint64_t ObjectReader::u64(const std::string& key, uint64_t min, uint64_t max) {
  return as_u64(raw(key), file_, pointer_of(key), min, max);
}

uint64_t ObjectReader::u64(const std::string& key, uint64_t min, uint64_t max, uint64_t fallback) {
  read_.insert(key);
  return has(key) ? u64(key, min, max) : fallback;
}

double ObjectReader::number(const std::string& key, double min_exclusive, double max) {
  const json& v = raw(key);
  const std::string want = fmt::format("must be a number in ({}, {}]", min_exclusive, max);
  if (!v.is_number()) fail(key, want + ", got " + describe(v));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d <= min_exclusive || d > max) fail(key, want + ", got " + describe(v));
  return d;
}

double ObjectReader::number(const std::string& key, double min_exclusive, double max, double fallback) {
  read_.insert(key);
  return has(key) ? number(key, min_exclusive, max) : fallback;
}

double ObjectReader::non_negative(const std::string& key, double max) {
  const json& v = raw(key);
  const std::string want = fmt::format("must be a number in [0, {}]", max);
  if (!v.is_number()) fail(key, want + ", got " + describe(v));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < 0 || d > max) fail(key, want + ", got " + describe(v));
  return d;
}

double ObjectReader::non_negative(const std::string& key, double max, double fallback) {
  return has(key) ? non_negative(key, max) : fallback;
}

bool ObjectReader::boolean(const std::string& key, bool fallback) {
  read_.insert(key);
  if (!has(key)) return fallback;
  const json& v = raw(key);
  if (!v.is_boolean()) fail(key, "must be true or false, got " + describe(v));
  return v.get<bool>();
}

std::string ObjectReader::string(const std::string& key) {
  const json& v = raw(key);
  if (!v.is_string()) fail(key, "must be a string, got " + describe(v));
  return v.get<std::string>();
}

std::string ObjectReader::string(const std::string& key, const std::string& fallback) {
  read_.insert(key);
  return has(key) ? string(key) : fallback;
}

size_t as_choice(const json& v, const std::string& file, const std::string& pointer,
                 const std::vector<std::string>& allowed) {
  if (!v.is_string())
    fail_at(file, pointer, fmt::format("must be one of {}, got {}", join(allowed), describe(v)));
  const auto s = v.get<std::string>();
  for (size_t i = 0; i < allowed.size(); ++i)
    if (allowed[i] == s) return i;
  fail_at(file, pointer, fmt::format("unknown \"{}\"; allowed: {}", s, join(allowed)));
}

size_t ObjectReader::choice(const std::string& key, const std::vector<std::string>& allowed) {
  return as_choice(raw(key), file_, pointer_of(key), allowed);
}

size_t ObjectReader::choice(const std::string& key, const std::vector<std::string>& allowed, size_t fallback) {
  read_.insert(key);
  return has(key) ? choice(key, allowed) : fallback;
}

void ObjectReader::finish() const {
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (!read_.count(it.key()))
      fail(it.key(), "unknown key; allowed: " + join(std::vector<std::string>(read_.begin(), read_.end())));
  }
}

}  // namespace tpusim::config
