#pragma once
/// Name tables that cannot drift from their enums.
///
/// An enum E (an `enum class` whose enumerators count from 0) gets its spellings from one
/// function declared next to it:
///
///     TPUSIM_ENUM_NAMES_BEGIN
///     constexpr const char* name_of(Dataflow v) {
///       switch (v) {
///         case Dataflow::os: return "os";
///         ...
///       }
///       return nullptr;  // not an enumerator
///     }
///     TPUSIM_ENUM_NAMES_END
///
/// The markers make a missing case a compile error (-Werror=switch; tests/enum_names proves it),
/// and everything else derives from that one switch, so nothing can list the values twice:
/// to_string(v), enum_values<E>() (every enumerator, in enum order), enum_names<E>() (their
/// spellings, for "allowed: ..." messages), enum_count<E>() and enum_from_name<E>(text), which
/// returns the enum itself (never an index into a list of strings cast to the enum).
/// static_asserts below reject a gap in the values and two enumerators with one spelling.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#define TPUSIM_ENUM_NAMES_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic error \"-Wswitch\"")
#define TPUSIM_ENUM_NAMES_END _Pragma("GCC diagnostic pop")

namespace tpusim {

namespace enum_detail {

/// Enumerators are looked for among the values 0..255 (every named enum here is small).
inline constexpr int kScanLimit = 256;

template <class E, class = void>
struct has_names : std::false_type {};
template <class E>
struct has_names<E, std::void_t<decltype(name_of(E{}))>> : std::true_type {};

template <class E>
constexpr size_t count() {
  static_assert(std::is_enum_v<E> && !std::is_convertible_v<E, int>, "named enums are enum classes");
  size_t n = 0;
  for (int i = 0; i < kScanLimit; ++i)
    if (name_of(static_cast<E>(i)) != nullptr) ++n;
  return n;
}

template <class E>
constexpr bool dense() {
  for (size_t i = 0; i < count<E>(); ++i)
    if (name_of(static_cast<E>(i)) == nullptr) return false;
  return true;
}

template <class E>
constexpr bool names_unique() {
  for (size_t i = 0; i < count<E>(); ++i)
    for (size_t j = i + 1; j < count<E>(); ++j)
      if (std::string_view(name_of(static_cast<E>(i))) == std::string_view(name_of(static_cast<E>(j)))) return false;
  return true;
}

}  // namespace enum_detail

/// Number of enumerators of E.
template <class E>
constexpr size_t enum_count() {
  return enum_detail::count<E>();
}

/// Every enumerator of E, in enum order (so enum_values<E>()[i] has the value i).
template <class E>
constexpr std::array<E, enum_count<E>()> enum_values() {
  static_assert(enum_detail::dense<E>(), "enumerators of a named enum count from 0 without gaps");
  static_assert(enum_detail::names_unique<E>(), "two enumerators of a named enum share a spelling");
  std::array<E, enum_count<E>()> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<E>(i);
  return out;
}

/// The spelling of v; "?" for a value that is no enumerator (only a bug can make one).
template <class E, class = std::enable_if_t<enum_detail::has_names<E>::value>>
constexpr const char* to_string(E v) {
  const char* n = name_of(v);
  return n ? n : "?";
}

/// The spellings of E's enumerators, in enum order (for messages: "allowed: os, ws, is").
template <class E>
std::vector<std::string> enum_names() {
  std::vector<std::string> out;
  for (E v : enum_values<E>()) out.emplace_back(name_of(v));
  return out;
}

/// The enumerator spelled `text` exactly, if any.
template <class E>
constexpr std::optional<E> enum_from_name(std::string_view text) {
  for (E v : enum_values<E>())
    if (text == name_of(v)) return v;
  return std::nullopt;
}

}  // namespace tpusim
