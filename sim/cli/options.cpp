#include "sim/cli/options.h"

#include <string>

#include <fmt/format.h>

#include "sim/base/error.h"

namespace po = boost::program_options;

namespace tpusim::cli {

namespace {

template <class... T>
bool is_one_of(const po::value_semantic* s) {
  return (... || (dynamic_cast<const po::typed_value<T>*>(s) != nullptr));
}

}  // namespace

void store_checked(const po::parsed_options& parsed, po::variables_map& vm) {
  for (const auto& o : parsed.options) {
    const po::option_description* d =
        o.unregistered || !parsed.description ? nullptr : parsed.description->find_nothrow(o.string_key, false);
    if (!d || !is_one_of<unsigned short, unsigned, unsigned long, unsigned long long>(d->semantic().get())) continue;
    for (const std::string& v : o.value) {
      const auto first = v.find_first_not_of(" \t");
      if (first != std::string::npos && v[first] == '-')
        throw InputError(fmt::format("--{} {}: must be a non-negative integer", o.string_key, v));
    }
  }
  po::store(parsed, vm);
}

}  // namespace tpusim::cli
