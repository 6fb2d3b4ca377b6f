#pragma once
// Crash-safe file replacement. The content goes to "<path>.tmp.<pid>" in the target's directory;
// that file is flushed and fsync'ed, renamed over <path> (an atomic step on POSIX file systems),
// and the directory is fsync'ed so the rename itself is durable. A reader therefore sees either
// the complete old file or the complete new one, and a crash or an exception mid-write leaves the
// old file untouched (the temporary is removed on every failure this process survives).
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace xg::io {

/// Replaces `path` with what `writer` writes into the stream it is given.
/// An exception thrown by `writer` propagates unchanged after the temporary file is removed.
/// A failing system call (create, write, fsync, close, rename) throws io::IoError naming the path
/// and the errno text. A new file gets mode 0666 minus the umask; a symlink at `path` is replaced
/// by a regular file.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& writer);

/// Replaces `path` with `bytes` (same guarantees as above).
void write_atomically(const std::string& path, std::string_view bytes);

}  // namespace xg::io
