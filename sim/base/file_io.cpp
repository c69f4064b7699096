#include "sim/base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/one_line.h"
#include "sim/base/stop_signals.h"

namespace tpusim {

namespace fs = std::filesystem;

uint64_t max_input_bytes(uint64_t fallback) {
  const char* env = std::getenv("TPUSIM_MAX_INPUT_BYTES");
  if (env == nullptr) return fallback;
  const std::string text = env;
  constexpr uint64_t kMax = uint64_t{1} << 62;
  uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 19;  // 2^62 has 19 digits: no overflow below
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v == 0 || v > kMax)
    throw InputError(fmt::format("TPUSIM_MAX_INPUT_BYTES={}: expected the largest input file in bytes, an integer "
                                 "from 1 to {}", text, kMax));
  return v;
}

void check_utf8(const std::string& text, const std::string& file) {
  const size_t at = utf8_error_at(text);
  if (at == std::string::npos) return;
  const size_t line_start = at == 0 ? 0 : text.rfind('\n', at - 1) + 1;  // npos + 1 = 0 on line 1
  const size_t line = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
  throw InputError(fmt::format("{}:{}:{}: not valid UTF-8 text (byte 0x{:02x}); text inputs are read as UTF-8", file,
                               line, at - line_start + 1, static_cast<unsigned char>(text[at])));
}

std::string read_file(const std::string& path, uint64_t default_limit) {
  // On Linux a directory opens as a stream and reads as empty: ask first.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(fmt::format("{}: is a directory, expected a file", path));
  const uint64_t limit = max_input_bytes(default_limit);
  const auto too_long = [&] {
    return InputError(fmt::format("{}: longer than {} bytes, the limit on an input file of this kind (the "
                                  "environment's TPUSIM_MAX_INPUT_BYTES raises it)", path, limit));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file (missing or unreadable)", path));
  std::string text;
  const bool regular = fs::is_regular_file(path, ec);
  if (regular) {
    const uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > limit) throw too_long();
    if (!ec) text.reserve(size);
  }
  // In chunks, so that a stream with no end (a device, a FIFO) stops at the limit. A stream's
  // chunks are joined at the end (one allocation of the final size, each chunk freed as it is
  // copied): the string doubling as it grew would have held twice the limit.
  std::vector<std::string> chunks;
  uint64_t total = 0;
  std::string chunk(size_t{1} << 16, '\0');
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    const auto n = static_cast<size_t>(in.gcount());
    total += n;
    if (total > limit) throw too_long();
    if (regular) text.append(chunk.data(), n);
    else chunks.emplace_back(chunk.data(), n);
  }
  if (in.bad()) throw InputError(fmt::format("{}: cannot read file", path));
  if (!regular) {
    text.reserve(total);
    for (auto& c : chunks) {
      text += c;
      std::string().swap(c);
    }
  }
  return text;
}

std::string output_error(const std::string& option, const std::string& path, const std::string& reason) {
  return fmt::format("{}{}: cannot write ({})", option.empty() ? "" : option + " ", path, reason);
}

namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// The longest file name the file system under `dir` allows (NAME_MAX, 255 on ext4 and tmpfs).
long name_max(const fs::path& dir) {
  const long n = ::pathconf(dir.empty() ? "." : dir.c_str(), _PC_NAME_MAX);
  return n > 0 ? n : NAME_MAX;
}

/// Checks that the directory `dir` exists and can be written, or can be created: its nearest
/// existing ancestor is a writable directory and every missing name fits. `shown` is the path
/// the message names (the file or directory the user gave).
void check_dir_writable(const std::string& option, const std::string& shown, const fs::path& dir) {
  if (shown.size() >= PATH_MAX)
    throw InputError(output_error(option, shown.substr(0, 60) + "...", fmt::format("path of {} characters; the limit is {}", shown.size(), PATH_MAX - 1)));
  fs::path existing = dir.empty() ? fs::path(".") : dir;
  std::vector<std::string> missing;
  std::error_code ec;
  while (!fs::exists(fs::symlink_status(existing, ec)) && existing.has_relative_path() && existing != existing.parent_path()) {
    missing.push_back(existing.filename().string());
    existing = existing.parent_path().empty() ? fs::path(".") : existing.parent_path();
  }
  if (!fs::is_directory(existing, ec))
    throw InputError(output_error(option, shown, fmt::format("{} is not a directory", existing.string())));
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    throw InputError(output_error(option, shown, fmt::format("{}: {}", existing.string(), errno_text(errno))));
  const long limit = name_max(existing);
  for (const auto& name : missing)
    if (static_cast<long>(name.size()) > limit)
      throw InputError(output_error(option, shown, fmt::format("a name of {} characters; the file system allows {}", name.size(), limit)));
}

}  // namespace

void check_output_dir(const std::string& option, const std::string& dir) {
  if (dir.empty()) throw InputError(fmt::format("{}: expected a directory, got an empty path", option));
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw InputError(output_error(option, dir, "it exists and is not a directory"));
  check_dir_writable(option, dir, fs::path(dir));
}

void check_output_file(const std::string& option, const std::string& path) {
  if (path.empty()) throw InputError(fmt::format("{}: expected a file path, got an empty path", option));
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st)) throw InputError(output_error(option, path, "it is a directory, expected a file path"));
  if (fs::exists(st) && !fs::is_regular_file(st)) return;  // a FIFO or a device: written in place
  const fs::path p(path);
  check_dir_writable(option, path, p.parent_path());
  const long limit = name_max(fs::exists(p.parent_path(), ec) ? p.parent_path() : fs::path("."));
  if (static_cast<long>(p.filename().string().size()) > limit)
    throw InputError(output_error(option, path, fmt::format("a name of {} characters; the file system allows {}",
                                                            p.filename().string().size(), limit)));
}

OutputFiles::~OutputFiles() {
  if (!committed_) cleanup();
}

void OutputFiles::cleanup() noexcept {
  for (const auto& f : files_)
    if (!f.direct) ::unlink(f.tmp_path.c_str());
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  forget_signal_slots();
}

void OutputFiles::forget_signal_slots() noexcept {
  for (int slot : signal_slots_) staged_paths::remove(slot);
  signal_slots_.clear();
}

std::string OutputFiles::stage(const std::string& option, const std::string& final_path) {
  TPUSIM_ASSERT(!committed_, "stage() after commit()");
  check_output_file(option, final_path);
  fs::path target(final_path);
  std::error_code ec;
  const auto st = fs::status(target, ec);  // follows links: /dev/stdout is a pipe or a terminal
  const bool direct = fs::exists(st) && !fs::is_regular_file(st);
  // A link to a regular file: replace the file it names, keep the link.
  if (!direct && fs::is_symlink(fs::symlink_status(target, ec))) target = fs::weakly_canonical(target, ec);
  Staged s{option, direct ? final_path : target.string(), direct ? final_path : target.string(), direct};
  if (!s.direct) {
    // Missing parents, outermost first, each recorded so a failed set removes what it made.
    std::vector<fs::path> missing;
    for (fs::path d = target.parent_path(); !d.empty() && !fs::exists(d, ec); d = d.parent_path()) missing.push_back(d);
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0777) != 0 && errno != EEXIST)
        throw InputError(output_error(option, final_path, fmt::format("cannot create {}: {}", it->string(), errno_text(errno))));
      created_dirs_.push_back(it->string());
      signal_slots_.push_back(staged_paths::add(it->string(), true));
    }
    std::string ext = target.extension().string();
    if (ext.size() > 16) ext.clear();
    const std::string name = fmt::format(".tpusim-tmp-{}-{}{}", ::getpid(), counter_++, ext);
    s.tmp_path = (target.parent_path() / name).string();
    signal_slots_.push_back(staged_paths::add(s.tmp_path, false));
  }
  files_.push_back(s);
  return s.tmp_path;
}

void OutputFiles::put(const std::string& option, const std::string& final_path, const std::string& content) {
  const std::string tmp = stage(option, final_path);
  const bool direct = files_.back().direct;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw InputError(output_error(option, final_path, errno_text(errno)));
  size_t done = 0;
  int err = 0;
  while (done < content.size() && err == 0) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno != EINTR) err = errno;
    if (n > 0) done += static_cast<size_t>(n);
  }
  // A full disk may only show at fsync or close (delayed allocation, NFS).
  if (err == 0 && !direct && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) throw InputError(output_error(option, final_path, errno_text(err)));
}

void OutputFiles::commit() {
  TPUSIM_ASSERT(!committed_, "commit() twice");
  std::set<std::string> dirs;
  for (const auto& f : files_) {
    if (f.direct) continue;
    // Streaming writers closed their files; their content reaches the disk before the rename.
    const int fd = ::open(f.tmp_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      throw InputError(output_error(f.option, f.final_path, errno_text(err)));
    }
    ::close(fd);
  }
  const BlockStopSignals no_signal_between_renames;  // delivered after the set is complete
  for (size_t i = 0; i < files_.size(); ++i) {
    const Staged& f = files_[i];
    if (f.direct) continue;
    if (::rename(f.tmp_path.c_str(), f.final_path.c_str()) != 0) {
      const int err = errno;
      for (size_t j = 0; j < i; ++j)  // none: undo the renames already made
        if (!files_[j].direct) ::unlink(files_[j].final_path.c_str());
      throw InputError(output_error(f.option, f.final_path, errno_text(err)));
    }
    dirs.insert(fs::path(f.final_path).parent_path().string());
  }
  committed_ = true;
  forget_signal_slots();
  staged_paths::note_committed();
  for (const auto& d : dirs) {  // the renames themselves reach the disk
    const int fd = ::open(d.empty() ? "." : d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  OutputFiles out;
  out.put("", path, content);
  out.commit();
}

}  // namespace tpusim
