#pragma once
/// Renderings of a compare Result: a console table, a Markdown table for a pull-request
/// comment, and JSON for scripts. Each lists the changes worst first and ends with the verdict.
#include <cstddef>
#include <ostream>
#include <string>

#include "sim/compare/compare.h"

namespace tpusim::compare {

enum class Format { text, markdown, json };

/// "text", "markdown" (or "md"), "json"; InputError naming the option otherwise.
Format parse_format(const std::string& name);

/// Writes the result. `max_rows` bounds the listed changes of text and Markdown (0 = all);
/// JSON always lists all of them.
void write_result(std::ostream& out, const Result& result, Format format, size_t max_rows);

/// "exact", "±5", "±1%" or "±5 or ±1%".
std::string tolerance_text(const Tolerance& t);

}  // namespace tpusim::compare
