#include <xgrad/train/history.hpp>

#include <xgrad/core/error.hpp>
#include <xgrad/io/atomic_file.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace xg::train {

History::History(std::vector<int> epochs, std::map<std::string, std::vector<double>> values)
    : epochs_(std::move(epochs)), values_(std::move(values)) {
  for (const auto& [k, column] : values_)
    if (column.size() != epochs_.size())
      throw ValueError("History: column '" + k + "' has " + std::to_string(column.size()) + " values for " +
                       std::to_string(epochs_.size()) + " epochs (expected one per epoch)");
}

void History::record(int epoch, const std::map<std::string, double>& logs) {
  const std::size_t previous = epochs_.size();
  epochs_.push_back(epoch);
  for (const auto& [k, v] : logs) {
    auto& column = values_[k];
    column.resize(previous, std::nan(""));  // a key that appears late is NaN for earlier epochs
    column.push_back(v);
  }
  for (auto& [k, column] : values_) column.resize(epochs_.size(), std::nan(""));
}

const std::vector<double>& History::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    std::string keys;
    for (const auto& [k, v] : values_) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("History has no key '" + key + "'; recorded keys: " + (keys.empty() ? "(none)" : keys));
  }
  return it->second;
}

std::string History::to_json() const {
  nlohmann::json j;
  j["epoch"] = epochs_;
  nlohmann::json h = nlohmann::json::object();
  for (const auto& [k, v] : values_) {
    nlohmann::json column = nlohmann::json::array();
    for (double x : v) column.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
    h[k] = column;
  }
  j["history"] = h;
  return j.dump(2);
}

std::string History::to_csv() const {
  std::ostringstream os;
  os.precision(10);
  os << "epoch";
  for (const auto& [k, v] : values_) os << ',' << k;
  os << '\n';
  for (std::size_t i = 0; i < epochs_.size(); ++i) {
    os << epochs_[i];
    for (const auto& [k, v] : values_) os << ',' << v[i];
    os << '\n';
  }
  return os.str();
}

namespace {
std::string extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}
}  // namespace

void History::save(const std::string& path) const {
  const std::string ext = extension(path);
  if (ext == ".json") return io::write_atomically(path, to_json());
  if (ext == ".csv") return io::write_atomically(path, to_csv());
  throw ValueError("History::save: unknown format '" + ext + "' for '" + path + "' (expected .json or .csv)");
}

void History::plot(const std::string& path) const {
  const std::string ext = extension(path);
  std::string terminal;
  if (ext == ".png") terminal = "pngcairo size 1200,450 font 'Sans,10'";
  else if (ext == ".svg") terminal = "svg size 1200,450 dynamic font 'Sans,10'";
  else throw ValueError("History::plot: unknown format '" + ext + "' for '" + path + "' (expected .png or .svg)");
  if (epochs_.empty()) throw ValueError("History::plot: nothing to plot, the history is empty");

  // One panel per quantity (loss, accuracy, ...), each with its val_ twin.
  std::vector<std::string> panels;
  for (const auto& [k, v] : values_)
    if (k.rfind("val_", 0) != 0 && k != "lr") panels.push_back(k);
  std::ostringstream script;
  script.precision(10);
  const std::string tmp = path + ".tmp";
  script << "set terminal " << terminal << "\nset output '" << tmp << "'\n"
         << "set multiplot layout 1," << panels.size() << "\nset grid\nset key top right\nset xlabel 'epoch'\n"
         << "set xrange [0.5:" << epochs_.back() + 1.5 << "]\nset xtics 1\n";
  for (const auto& key : panels) {
    const bool has_val = values_.count("val_" + key) != 0;
    script << "set title '" << key << "'\nplot '-' with linespoints lw 2 pt 7 title 'train'";
    if (has_val) script << ", '-' with linespoints lw 2 pt 5 title 'validation'";
    script << "\n";
    for (const std::string& k : {key, "val_" + key}) {
      if (k != key && !has_val) continue;
      const auto& col = values_.at(k);
      for (std::size_t i = 0; i < epochs_.size(); ++i)
        if (std::isfinite(col[i])) script << epochs_[i] + 1 << ' ' << col[i] << '\n';
      script << "e\n";
    }
  }
  script << "unset multiplot\nset output\n";
  FILE* gp = popen("gnuplot 2>&1", "w");
  if (!gp) throw Error("History::plot: cannot start gnuplot (install gnuplot-nox)");
  const std::string s = script.str();
  std::fwrite(s.data(), 1, s.size(), gp);
  const int status = pclose(gp);
  std::error_code ec;
  if (status != 0 || !std::filesystem::exists(tmp, ec) || std::filesystem::file_size(tmp, ec) == 0) {
    std::filesystem::remove(tmp, ec);
    throw Error("History::plot: gnuplot failed to render '" + path + "' (is gnuplot-nox installed?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error("History::plot: cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

}  // namespace xg::train
