// Output files written all or none (sim/base/file_io.h): a committed set is in place with no
// temporary file left; an uncommitted or failed set leaves nothing, not even the directories it
// created; bad output paths are refused before any write, each with one message naming the path.
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"
#include "support/test_util.h"

using namespace tpusim;
namespace fs = std::filesystem;

namespace {

/// Every entry under `dir`, relative, sorted.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("output files: a committed set is in place, without temporary files", "[file_io]") {
  const auto dir = test::temp_dir("file_io_commit");
  {
    OutputFiles out;
    out.put("--out", (dir / "run/layers.csv").string(), "a,b\n");
    const std::string streamed = out.stage("--timeline", (dir / "trace.json").string());
    test::write_text(streamed, "{}\n");
    out.put("--out", (dir / "run/report.json").string(), "{\"x\": 1}\n");
    // Before the commit no file has its final name.
    CHECK(!fs::exists(dir / "run/report.json"));
    CHECK(!fs::exists(dir / "trace.json"));
    out.commit();
  }
  CHECK(entries(dir) == std::vector<std::string>{"run", "run/layers.csv", "run/report.json", "trace.json"});
  CHECK(test::read_text(dir / "run/report.json") == "{\"x\": 1}\n");
  CHECK(test::read_text(dir / "trace.json") == "{}\n");
}

TEST_CASE("output files: an uncommitted set leaves nothing, not even its directories", "[file_io]") {
  const auto dir = test::temp_dir("file_io_abort");
  {
    OutputFiles out;
    out.put("--out", (dir / "a/b/report.json").string(), "{}\n");
    test::write_text(out.stage("--dump-program", (dir / "p/program.jsonl").string()), "x\n");
  }  // as when the run throws after writing
  CHECK(entries(dir).empty());
}

TEST_CASE("output files: a write that fails names the path and leaves nothing", "[file_io]") {
  struct stat st {};
  if (::stat("/dev/full", &st) != 0) return;  // no /dev/full: nothing to check here
  OutputFiles out;
  // A device is written in place (a rename would replace it); /dev/full fails every write.
  CHECK(message_of([&] { out.put("--dump-program", "/dev/full", "x"); }) ==
        "--dump-program /dev/full: cannot write (No space left on device)");
  CHECK(fs::is_character_file("/dev/full"));
}

TEST_CASE("output files: bad paths are refused before any write", "[file_io]") {
  const auto dir = test::temp_dir("file_io_paths");
  test::write_text(dir / "f.txt", "x");
  const std::string d = dir.string();
  CHECK(message_of([&] { check_output_dir("--out", d + "/f.txt"); }) ==
        "--out " + d + "/f.txt: cannot write (it exists and is not a directory)");
  CHECK(message_of([&] { check_output_dir("--out", d + "/f.txt/sub"); }) ==
        "--out " + d + "/f.txt/sub: cannot write (" + d + "/f.txt is not a directory)");
  CHECK(message_of([&] { check_output_file("--timeline", d); }) ==
        "--timeline " + d + ": cannot write (it is a directory, expected a file path)");
  const std::string long_name(300, 'x');  // ext4 and tmpfs allow 255 bytes
  CHECK(message_of([&] { check_output_dir("--out", d + "/" + long_name); }) ==
        "--out " + d + "/" + long_name + ": cannot write (a name of 300 characters; the file system allows 255)");
  CHECK(message_of([&] { write_file_atomic(d + "/" + long_name + ".json", "{}"); }) ==
        d + "/" + long_name + ".json: cannot write (a name of 305 characters; the file system allows 255)");
  CHECK(message_of([&] { check_output_dir("--out", d + "/new/dir"); }).empty());  // creatable: fine
  CHECK(entries(dir) == std::vector<std::string>{"f.txt"});
}

TEST_CASE("one_line escapes control characters and bytes that are not UTF-8, keeps valid UTF-8", "[errors]") {
  // RFC 3629's table: 2 to 4 byte sequences with their allowed ranges; each case by hand.
  CHECK(one_line("a\nb\rc\td\x01\x7f") == "a\\nb\\rc\\td\\x01\\x7f");
  CHECK(one_line("\xc2\xb1 \xe2\x82\xac \xf0\x9f\x98\x80") == "\xc2\xb1 \xe2\x82\xac \xf0\x9f\x98\x80");  // ± € U+1F600
  CHECK(one_line("r\xff") == "r\\xff");
  CHECK(one_line("\xc0\xaf") == "\\xc0\\xaf");           // overlong "/"
  CHECK(one_line("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate, U+D800
  CHECK(one_line("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // U+110000, beyond Unicode
  CHECK(one_line("\xe2\x82") == "\\xe2\\x82");           // truncated at the end
  CHECK(one_line(one_line("x\n\xff")) == one_line("x\n\xff"));  // idempotent
  CHECK(utf8_error_at("ok \xc2\xb1") == std::string_view::npos);
  CHECK(utf8_error_at("ab\xff" "c") == 2);
  CHECK(utf8_error_at("\xe2\x82\xac\xe2\x28\xa1") == 3);   // second sequence's 2nd byte is no continuation
}

TEST_CASE("check_utf8 names the file, the line and the column of the first bad byte", "[errors]") {
  CHECK_NOTHROW(check_utf8("a,b\nc\xc2\xb1\n", "t.csv"));
  CHECK_THROWS_WITH(check_utf8("\xff", "t.csv"), "t.csv:1:1: not valid UTF-8 text (byte 0xff); text inputs are read as UTF-8");
  // Line 3, after "ab" (columns 1 and 2): column 3.
  CHECK_THROWS_WITH(check_utf8("x\ny\nab\xfe,1\n", "t.csv"),
                    "t.csv:3:3: not valid UTF-8 text (byte 0xfe); text inputs are read as UTF-8");
}
