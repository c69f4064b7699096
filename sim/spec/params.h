#pragma once
/// Parameter tables: a component's config keys, each declared once with its type, unit, allowed
/// values and description. One table per struct is the single source for
///   - the loader: Table::read fills the struct strictly through config::ObjectReader (every
///     message names the file and the JSON pointer; unknown keys are errors listing the table);
///   - the echo of the effective config (Table::to_json, the "arch" object of report.json);
///   - `tpusim describe --params` and the key tables of configs/README.md (TableInfo, sections()).
/// Defaults are the struct's member initializers, the one place they live (CONVENTIONS.md 5): a
/// table reads them from a default-constructed struct, so docs cannot disagree with them and
/// code that builds a struct directly (tests, importers) gets the same defaults as a file.
///
/// Adding a key is one line in its table (sim/spec/arch_params.cpp) plus the struct member.
/// Nested objects (object, optional_object), maps of named objects (map: "/buffers/<name>") and
/// arrays of objects (list) nest tables; custom() and when_absent() cover keys whose reading
/// depends on other keys (a DRAM preset, an inferred type); validate() checks across keys.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::params {

using config::ObjectReader;
using nlohmann::json;

class TableInfo;

/// Whether the effective config (to_json) carries a key.
enum class Echo {
  always,
  unless_empty,  ///< left out when "" or absent (an unset optional object)
  /// left out at its default: a key added later, which would otherwise change the echo (and the
  /// bytes of every report) of every config that never sets it
  unless_default,
  never,         ///< read and checked, never echoed (free-text notes)
};

/// One key as documentation sees it: a row of configs/README.md, an entry of describe --params.
struct ParamInfo {
  std::string key;
  std::string type;          ///< "integer", "number", "boolean", "string", "object", ...
  std::string unit;          ///< "" for none
  std::string allowed;       ///< human text: "[1, 65536]", "`os`, `ws`, `is`"; "" for any value of the type
  std::string description;
  bool required = false;
  json default_value;        ///< the member initializer as the echo writes it (null: none)
  std::string default_text;  ///< shown instead of default_value ("all defaults", "none")
  std::string default_note;  ///< shown after it ("(a preset's)")
  Echo echo = Echo::always;
  json limits = json::object();      ///< machine-readable bounds: {"min", "max"} or {"values"}
  const TableInfo* child = nullptr;  ///< the table of a nested object, map value or list element
  std::string child_segment;         ///< pointer text from this key to the child: "", "/<name>", "/<i>"
};

/// A table as documentation and tools see it, whatever struct it fills.
class TableInfo {
 public:
  TableInfo(std::string id, std::string title) : id_(std::move(id)), title_(std::move(title)) {}
  const std::string& id() const { return id_; }        ///< names the README block: <!-- params: id -->
  const std::string& title() const { return title_; }
  const std::vector<ParamInfo>& params() const { return params_; }
  /// The keys in the order "unknown key; allowed: ..." lists them (sorted).
  std::vector<std::string> sorted_keys() const;

 protected:
  std::string id_, title_;
  std::vector<ParamInfo> params_;
};

/// A table and the JSON pointer prefix where its keys sit ("" for the root, "/buffers/<name>").
struct Section {
  const TableInfo* table;
  std::string prefix;
};
/// The root and every table nested in it, depth first, each once.
std::vector<Section> sections(const TableInfo& root);

/// Text for docs: "[1, 65536]", "[1, 2^50]", "(0, 1e6]", "1, 2, 4, 8".
std::string integer_range_text(uint64_t min, uint64_t max);
std::string number_range_text(double min, bool min_inclusive, double max);
/// "1, 2, 4 or 8" for messages.
std::string or_list(const std::vector<uint64_t>& values);

/// The table of struct S. Build it once (a function-local static) with the methods below, in
/// the order the keys are read and documented.
template <class S>
class Table : public TableInfo {
 public:
  /// Reads a present key into the struct.
  using Reader = std::function<void(ObjectReader&, S&, const ParamInfo&)>;
  /// The key's value in the effective config.
  using Writer = std::function<json(const S&)>;
  /// Runs when the key is absent (after the keys before it were read).
  using Absent = std::function<void(ObjectReader&, S&)>;
  /// Runs after every key was read and no key was unknown.
  using Validator = std::function<void(const ObjectReader&, S&)>;

  /// Modifies the row just added: `t.integer(...).required();`.
  class Ref {
   public:
    Ref(Table* t, size_t i) : t_(t), i_(i) {}
    Ref& required() { info().required = true; return *this; }
    Ref& default_text(std::string text) { info().default_text = std::move(text); return *this; }
    Ref& default_note(std::string note) { info().default_note = std::move(note); return *this; }
    Ref& allowed(std::string text) { info().allowed = std::move(text); return *this; }
    Ref& echo(Echo e) { info().echo = e; return *this; }
    Ref& when_absent(Absent fn) { t_->ops_[i_].absent = std::move(fn); return *this; }

   private:
    ParamInfo& info() { return t_->params_[i_]; }
    Table* t_;
    size_t i_;
  };

  using TableInfo::TableInfo;

  /// Any row: the escape hatch for keys no typed builder fits.
  Ref custom(ParamInfo info, Reader read, Writer write) {
    info.default_value = write(S{});
    params_.push_back(std::move(info));
    ops_.push_back({std::move(read), std::move(write), nullptr});
    return Ref(this, params_.size() - 1);
  }

  /// An unsigned integer in [min, max].
  template <class T>
  Ref integer(const char* key, T S::*m, uint64_t min, uint64_t max, const char* unit, const char* description) {
    static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>, "integer keys are unsigned");
    TPUSIM_ASSERT(max <= std::numeric_limits<T>::max(), std::string("range of ") + key + " exceeds its member");
    ParamInfo p = row(key, "integer", unit, integer_range_text(min, max), description);
    p.limits = {{"min", min}, {"max", max}};
    return custom(
        std::move(p), [m, min, max](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = static_cast<T>(r.u64(i.key, min, max)); },
        [m](const S& s) { return json(static_cast<uint64_t>(s.*m)); });
  }

  /// An unsigned integer from a short list (such as 1, 2, 4, 8).
  template <class T>
  Ref integer_of(const char* key, T S::*m, std::vector<uint64_t> values, const char* unit, const char* description) {
    static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>, "integer keys are unsigned");
    std::string text;
    for (uint64_t v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
    ParamInfo p = row(key, "integer", unit, text, description);
    p.limits = {{"values", values}};
    const uint64_t lo = *std::min_element(values.begin(), values.end());
    const uint64_t hi = *std::max_element(values.begin(), values.end());
    return custom(
        std::move(p),
        [m, values, lo, hi](ObjectReader& r, S& s, const ParamInfo& i) {
          const uint64_t v = r.u64(i.key, lo, hi);
          if (std::find(values.begin(), values.end(), v) == values.end())
            r.fail(i.key, "must be " + or_list(values) + ", got " + std::to_string(v));
          s.*m = static_cast<T>(v);
        },
        [m](const S& s) { return json(static_cast<uint64_t>(s.*m)); });
  }

  /// A finite number in (min_exclusive, max].
  Ref number(const char* key, double S::*m, double min_exclusive, double max, const char* unit,
             const char* description) {
    ParamInfo p = row(key, "number", unit, number_range_text(min_exclusive, false, max), description);
    p.limits = {{"min_exclusive", min_exclusive}, {"max", max}};
    return custom(
        std::move(p), [m, min_exclusive, max](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.number(i.key, min_exclusive, max); },
        [m](const S& s) { return json(s.*m); });
  }

  /// A finite number in [0, max].
  Ref non_negative(const char* key, double S::*m, double max, const char* unit, const char* description) {
    ParamInfo p = row(key, "number", unit, number_range_text(0, true, max), description);
    p.limits = {{"min", 0}, {"max", max}};
    return custom(
        std::move(p), [m, max](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.non_negative(i.key, max); },
        [m](const S& s) { return json(s.*m); });
  }

  Ref boolean(const char* key, bool S::*m, const char* description) {
    return custom(
        row(key, "boolean", "", "", description),
        [m](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.boolean(i.key, s.*m); },
        [m](const S& s) { return json(s.*m); });
  }

  Ref string(const char* key, std::string S::*m, const char* unit, const char* description) {
    return custom(
        row(key, "string", unit, "any", description),
        [m](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.string(i.key); },
        [m](const S& s) { return json(s.*m); });
  }

  /// A string that is read and checked but kept nowhere (free text for humans).
  Ref ignored_string(const char* key, const char* description) {
    Ref ref = custom(
        row(key, "string", "", "any", description),
        [](ObjectReader& r, S&, const ParamInfo& i) { (void)r.string(i.key); }, [](const S&) { return json(""); });
    ref.echo(Echo::never);
    return ref;
  }

  /// One of enum E's spellings (sim/base/enum_names.h).
  template <class E>
  Ref choice(const char* key, E S::*m, const char* description) {
    ParamInfo p = row(key, "string", "", quoted_list(enum_names<E>()), description);
    p.limits = {{"values", enum_names<E>()}};
    return custom(
        std::move(p), [m](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.enumeration<E>(i.key); },
        [m](const S& s) { return json(to_string(s.*m)); });
  }

  /// One of enum E's spellings, or absent (unset; left out of the echo).
  template <class E>
  Ref optional_choice(const char* key, std::optional<E> S::*m, const char* description) {
    ParamInfo p = row(key, "string", "", quoted_list(enum_names<E>()), description);
    p.limits = {{"values", enum_names<E>()}};
    p.echo = Echo::unless_empty;
    return custom(
        std::move(p), [m](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = r.enumeration<E>(i.key); },
        [m](const S& s) { return (s.*m) ? json(to_string(*(s.*m))) : json(); });
  }

  /// A non-empty set of E's spellings: an array listing each once, or one string for a set of one.
  template <class E>
  Ref choice_set(const char* key, std::vector<E> S::*m, const char* description) {
    ParamInfo p = row(key, "string or array of strings", "",
                      quoted_list(enum_names<E>()) + "; an array is non-empty and lists each once", description);
    p.limits = {{"values", enum_names<E>()}};
    return custom(
        std::move(p), [m](ObjectReader& r, S& s, const ParamInfo& i) { s.*m = read_enum_set<E>(r, i.key); },
        [m](const S& s) {
          json a = json::array();
          for (E v : s.*m) a.push_back(to_string(v));
          return a;
        });
  }

  /// An array of unsigned integers, each in [min, max] (may be empty).
  Ref integer_list(const char* key, std::vector<uint64_t> S::*m, uint64_t min, uint64_t max, const char* unit,
                   const char* description) {
    ParamInfo p = row(key, "array of integers", unit, "each in " + integer_range_text(min, max), description);
    p.limits = {{"min", min}, {"max", max}};
    return custom(
        std::move(p),
        [m, min, max](ObjectReader& r, S& s, const ParamInfo& i) {
          const json& v = r.raw(i.key);
          if (!v.is_array())
            r.fail(i.key, "must be an array of integers in [" + std::to_string(min) + ", " + std::to_string(max) +
                              "], got " + config::describe(v));
          std::vector<uint64_t> out;
          for (size_t k = 0; k < v.size(); ++k)
            out.push_back(config::as_u64(v[k], r.file(), r.pointer_of(i.key) + "/" + std::to_string(k), min, max));
          s.*m = std::move(out);
        },
        [m](const S& s) { return json(s.*m); });
  }

  /// A nested object read through its own table (absent: the member keeps its defaults).
  template <class Sub>
  Ref object(const char* key, Sub S::*m, const Table<Sub>& t, const char* description) {
    ParamInfo p = row(key, "object", "", "see below", description);
    p.child = &t;
    p.default_text = "all defaults";
    Ref ref = custom(
        std::move(p), [m, &t](ObjectReader& r, S& s, const ParamInfo& i) { t.read(r.raw(i.key), r.file(), r.pointer_of(i.key), s.*m); },
        [m, &t](const S& s) { return t.to_json(s.*m); });
    return ref;
  }

  /// A nested object that is absent unless given (not echoed when absent).
  template <class Sub>
  Ref optional_object(const char* key, std::optional<Sub> S::*m, const Table<Sub>& t, const char* description) {
    ParamInfo p = row(key, "object", "", "see below", description);
    p.child = &t;
    p.default_text = "absent";
    p.echo = Echo::unless_empty;
    return custom(
        std::move(p),
        [m, &t](ObjectReader& r, S& s, const ParamInfo& i) {
          Sub x{};
          t.read(r.raw(i.key), r.file(), r.pointer_of(i.key), x);
          s.*m = std::move(x);
        },
        [m, &t](const S& s) { return (s.*m) ? t.to_json(*(s.*m)) : json(); });
  }

  /// An object of named objects ("/buffers/<name>"): each value read through `t`, its key stored
  /// in the element's `name` member; elements in key order.
  template <class Sub>
  Ref map(const char* key, std::vector<Sub> S::*m, std::string Sub::*name, const Table<Sub>& t,
          const char* element, const char* description) {
    ParamInfo p = row(key, "object", "", "see below", description);
    p.child = &t;
    p.child_segment = std::string("/<") + element + ">";
    return custom(
        std::move(p),
        [m, name, &t](ObjectReader& r, S& s, const ParamInfo& i) {
          ObjectReader items(r.raw(i.key), r.file(), r.pointer_of(i.key));
          std::vector<Sub> out;
          for (const auto& [k, v] : r.raw(i.key).items()) {
            (void)items.raw(k);
            Sub x{};
            x.*name = k;
            t.read(v, r.file(), items.pointer_of(k), x);
            out.push_back(std::move(x));
          }
          s.*m = std::move(out);
        },
        [m, name, &t](const S& s) {
          json j = json::object();
          for (const Sub& x : s.*m) j[x.*name] = t.to_json(x);
          return j;
        });
  }

  /// An array of objects, each read through `t`.
  template <class Sub>
  Ref list(const char* key, std::vector<Sub> S::*m, const Table<Sub>& t, const char* description) {
    ParamInfo p = row(key, "array of objects", "", "see below", description);
    p.child = &t;
    p.child_segment = "/<i>";
    return custom(
        std::move(p),
        [m, &t](ObjectReader& r, S& s, const ParamInfo& i) {
          const json& v = r.raw(i.key);
          if (!v.is_array()) r.fail(i.key, "must be an array of objects, got " + config::describe(v));
          std::vector<Sub> out;
          for (size_t k = 0; k < v.size(); ++k) {
            Sub x{};
            t.read(v[k], r.file(), r.pointer_of(i.key) + "/" + std::to_string(k), x);
            out.push_back(std::move(x));
          }
          s.*m = std::move(out);
        },
        [m, &t](const S& s) {
          json a = json::array();
          for (const Sub& x : s.*m) a.push_back(t.to_json(x));
          return a;
        });
  }

  /// A check across keys, run after all were read and none was unknown.
  void validate(Validator fn) { validators_.push_back(std::move(fn)); }

  /// Reads `value` (an object at `pointer` of `file`) into `s`, whose members hold the defaults
  /// (or a preset's values) for the keys that are absent.
  void read(const json& value, const std::string& file, const std::string& pointer, S& s) const {
    ObjectReader r(value, file, pointer);
    for (const auto& p : params_) (void)r.has(p.key);  // every key is known: "allowed:" lists the table
    for (size_t i = 0; i < params_.size(); ++i) {
      const ParamInfo& p = params_[i];
      if (r.has(p.key)) {
        ops_[i].read(r, s, p);
      } else if (p.required) {
        (void)r.raw(p.key);  // "is required but missing"
      } else if (ops_[i].absent) {
        ops_[i].absent(r, s);
      }
    }
    r.finish();
    for (const auto& v : validators_) v(r, s);
  }

  /// The effective values, defaults filled in; reading it back gives the same struct.
  json to_json(const S& s) const {
    json j = json::object();
    for (size_t i = 0; i < params_.size(); ++i) {
      const ParamInfo& p = params_[i];
      if (p.echo == Echo::never) continue;
      json v = ops_[i].write(s);
      if (p.echo == Echo::unless_empty && (v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty())))
        continue;
      if (p.echo == Echo::unless_default && v == p.default_value) continue;
      j[p.key] = std::move(v);
    }
    return j;
  }

 private:
  struct Ops {
    Reader read;
    Writer write;
    Absent absent;
  };

  static ParamInfo row(const char* key, const char* type, const char* unit, std::string allowed,
                       const char* description) {
    ParamInfo p;
    p.key = key;
    p.type = type;
    p.unit = unit;
    p.allowed = std::move(allowed);
    p.description = description;
    return p;
  }

  static std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "`" : ", `") + n + "`";
    return out;
  }

  /// A string (a set of one) or a non-empty array of distinct spellings of E.
  template <class E>
  static std::vector<E> read_enum_set(ObjectReader& r, const std::string& key) {
    const json& v = r.raw(key);
    const std::string ptr = r.pointer_of(key);
    std::vector<E> out;
    if (v.is_string()) return {config::as_enum<E>(v, r.file(), ptr)};
    if (!v.is_array() || v.empty())
      r.fail(key, "must be a non-empty array of " + config::join(enum_names<E>()) + ", got " + config::describe(v));
    for (size_t k = 0; k < v.size(); ++k) {
      const std::string at = ptr + "/" + std::to_string(k);
      const E e = config::as_enum<E>(v[k], r.file(), at);
      if (std::find(out.begin(), out.end(), e) != out.end())
        config::fail_at(r.file(), at, std::string("\"") + to_string(e) + "\" listed twice");
      out.push_back(e);
    }
    return out;
  }

  std::vector<Ops> ops_;
  std::vector<Validator> validators_;
};

}  // namespace tpusim::params
