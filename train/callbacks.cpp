#include <xgrad/train/callbacks.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/io/module_io.hpp>
#include <xgrad/optim/optimizer.hpp>
#include <xgrad/train/model.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace xg::train {

// ---- checkpointed callback state ------------------------------------------------------------------
// A state is "<Type> <v1> <v2> ...": integers in decimal, doubles as the hexadecimal bits of their
// IEEE-754 representation (exact, infinities included).
namespace {

class StateWriter {
 public:
  explicit StateWriter(const char* type) : text_(type) {}
  StateWriter& integer(std::int64_t v) { return add(std::to_string(v)); }
  StateWriter& real(double v) {
    std::ostringstream os;
    os << std::hex << std::bit_cast<std::uint64_t>(v);
    return add(os.str());
  }
  const std::string& str() const { return text_; }

 private:
  StateWriter& add(const std::string& field) {
    text_ += ' ' + field;
    return *this;
  }
  std::string text_;
};

class StateReader {
 public:
  /// Splits `text`, which must hold `type` and `fields` values.
  StateReader(const std::string& text, const char* type, std::size_t fields) : text_(text), type_(type) {
    std::istringstream in(text);
    std::string word;
    while (in >> word) words_.push_back(word);
    if (words_.empty() || words_[0] != type)
      fail("the state of a " + std::string(type) + (words_.empty() ? "" : ", not of a " + words_[0]));
    if (words_.size() != fields + 1) fail(std::to_string(fields) + " values after the type name");
  }
  std::int64_t integer(std::size_t i) const { return parse<std::int64_t>(i, 10); }
  double real(std::size_t i) const { return std::bit_cast<double>(parse<std::uint64_t>(i, 16)); }

 private:
  template <class T> T parse(std::size_t i, int base) const {
    const std::string& w = words_.at(i + 1);
    T value{};
    const auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), value, base);
    if (ec != std::errc() || ptr != w.data() + w.size())
      fail(base == 16 ? "hexadecimal bits of a double" : "an integer");
    return value;
  }
  [[noreturn]] void fail(const std::string& expected) const {
    throw ValueError(std::string(type_) + ": cannot restore the checkpointed callback state \"" + text_ +
                     "\": expected " + expected + " (were the callbacks given in the same order?)");
  }
  std::string text_;
  const char* type_;
  std::vector<std::string> words_;
};

}  // namespace

void Callback::load_state(const std::string& state) {
  if (!state.empty())
    throw ValueError("a callback without state cannot restore the checkpointed callback state \"" + state +
                     "\" (were the callbacks given in the same order?)");
}

// ---- MonitorTracker -----------------------------------------------------------------------------
MonitorTracker::MonitorTracker(std::string monitor, MonitorMode mode, double min_delta)
    : monitor_(std::move(monitor)), min_delta_(std::abs(min_delta)) {
  if (mode == MonitorMode::Auto)
    maximize_ = monitor_.find("acc") != std::string::npos || monitor_.find("auc") != std::string::npos;
  else
    maximize_ = mode == MonitorMode::Max;
  reset();
}

void MonitorTracker::reset() {
  best_ = maximize_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

double MonitorTracker::value(const Logs& logs) const {
  auto it = logs.find(monitor_);
  if (it == logs.end()) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("callback monitors '" + monitor_ + "', which is not logged; available: " + keys +
                     " (val_ metrics need validation_split or validation_data)");
  }
  return it->second;
}

bool MonitorTracker::improved(double value) {
  const bool better = maximize_ ? value > best_ + min_delta_ : value < best_ - min_delta_;
  if (better) best_ = value;
  return better;
}

// ---- EarlyStopping --------------------------------------------------------------------------------
EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(options), tracker_(options.monitor, options.mode, options.min_delta) {
  if (options.patience < 0) throw ValueError("EarlyStopping: patience must be >= 0");
}

void EarlyStopping::on_train_begin(Model&) {
  tracker_.reset();
  wait_ = 0;
  stopped_epoch_ = best_epoch_ = -1;
  best_weights_.clear();
}

namespace {
std::map<std::string, Tensor> snapshot(const nn::Module& m) {
  std::map<std::string, Tensor> copy;
  NoGradGuard no_grad;
  for (const auto& [k, v] : m.state_dict()) copy.emplace(k, v.detach().clone());
  return copy;
}
}  // namespace

void EarlyStopping::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  const double value = tracker_.value(logs);
  if (tracker_.improved(value)) {
    wait_ = 0;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = snapshot(model.network());
    return;
  }
  // Keras: stop once `patience` epochs in a row brought no improvement (patience 0 acts as 1).
  if (++wait_ >= options_.patience) {
    stopped_epoch_ = epoch;
    model.stop_training = true;
  }
}

std::string EarlyStopping::state() const {
  return StateWriter("EarlyStopping")
      .real(tracker_.best())
      .integer(wait_)
      .integer(stopped_epoch_)
      .integer(best_epoch_)
      .str();
}

void EarlyStopping::load_state(const std::string& state) {
  const StateReader r(state, "EarlyStopping", 4);
  tracker_.set_best(r.real(0));
  wait_ = static_cast<int>(r.integer(1));
  stopped_epoch_ = static_cast<int>(r.integer(2));
  best_epoch_ = static_cast<int>(r.integer(3));
}

void EarlyStopping::on_train_end(Model& model, const Logs&) {
  if (options_.restore_best_weights && !best_weights_.empty()) model.network().load_state_dict(best_weights_);
}

// ---- ModelCheckpoint ------------------------------------------------------------------------------
ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options)
    : options_(std::move(options)), tracker_(options_.monitor, options_.mode, 0.0) {
  if (options_.filepath.empty()) throw ValueError("ModelCheckpoint: filepath is empty");
  if (options_.save_freq < 0)
    throw ValueError("ModelCheckpoint: save_freq must be 0 (every epoch) or a number of batches > 0, got " +
                     std::to_string(options_.save_freq));
}

void ModelCheckpoint::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  if (options_.save_freq == 0) save(model, epoch + 1, logs);
}

void ModelCheckpoint::on_batch_end(Model& model, std::int64_t, const Logs& logs) {
  if (options_.save_freq > 0 && model.progress().global_step % options_.save_freq == 0)
    save(model, model.progress().epoch + 1, logs);
}

std::string ModelCheckpoint::state() const { return StateWriter("ModelCheckpoint").real(tracker_.best()).str(); }

void ModelCheckpoint::load_state(const std::string& state) {
  tracker_.set_best(StateReader(state, "ModelCheckpoint", 1).real(0));
}

void ModelCheckpoint::save(Model& model, std::int64_t epoch_number, const Logs& logs) {
  if (options_.save_best_only && !tracker_.improved(tracker_.value(logs))) return;
  if (!model.is_root()) return;  // a distributed fit: rank 0 writes
  std::string path = options_.filepath;
  const std::string placeholder = "{epoch}";
  for (auto pos = path.find(placeholder); pos != std::string::npos; pos = path.find(placeholder))
    path.replace(pos, placeholder.size(), std::to_string(epoch_number));
  if (options_.save_weights_only)
    io::save(model.network(), path, {{"epoch", std::to_string(epoch_number)}});
  else
    model.save_checkpoint(path);
  saved_.push_back(path);
}

// ---- CSVLogger ------------------------------------------------------------------------------------
CSVLogger::CSVLogger(std::string filename, char separator, bool append)
    : filename_(std::move(filename)), separator_(separator), append_(append) {}

CSVLogger::~CSVLogger() = default;

void CSVLogger::on_train_begin(Model& model) {
  out_.reset();
  if (!model.is_root()) return;  // a distributed fit: rank 0 writes
  out_ = std::make_unique<std::ofstream>(filename_, append_ ? std::ios::app : std::ios::trunc);
  if (!*out_) throw Error("CSVLogger: cannot open '" + filename_ + "' for writing");
  header_written_ = append_ && out_->tellp() > 0;
}

void CSVLogger::on_epoch_end(Model&, int epoch, const Logs& logs) {
  if (!out_) return;
  if (!header_written_) {
    *out_ << "epoch";
    for (const auto& [k, v] : logs) *out_ << separator_ << k;
    *out_ << '\n';
    header_written_ = true;
  }
  *out_ << epoch;
  out_->precision(10);
  for (const auto& [k, v] : logs) *out_ << separator_ << v;
  *out_ << '\n';
  out_->flush();
}

// ---- ReduceLROnPlateau ----------------------------------------------------------------------------
ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : options_(options), tracker_(options.monitor, options.mode, options.min_delta) {
  if (options.factor <= 0 || options.factor >= 1)
    throw ValueError("ReduceLROnPlateau: factor must be in (0, 1), got " + std::to_string(options.factor));
}

void ReduceLROnPlateau::on_train_begin(Model&) {
  tracker_.reset();
  wait_ = cooldown_left_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(Model& model, int epoch, const Logs& logs) {
  const double value = tracker_.value(logs);
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    wait_ = 0;
  }
  if (tracker_.improved(value)) {
    wait_ = 0;
    return;
  }
  if (cooldown_left_ > 0 || ++wait_ < options_.patience) return;
  optim::Optimizer& opt = model.optimizer();
  const double old_lr = opt.lr();
  const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
  if (old_lr - new_lr > 1e-12) {
    opt.set_lr(new_lr);
    if (options_.verbose && model.is_root()) std::printf("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %g.\n", epoch + 1, new_lr);
  }
  cooldown_left_ = options_.cooldown;
  wait_ = 0;
}

std::string ReduceLROnPlateau::state() const {
  return StateWriter("ReduceLROnPlateau").real(tracker_.best()).integer(wait_).integer(cooldown_left_).str();
}

void ReduceLROnPlateau::load_state(const std::string& state) {
  const StateReader r(state, "ReduceLROnPlateau", 3);
  tracker_.set_best(r.real(0));
  wait_ = static_cast<int>(r.integer(1));
  cooldown_left_ = static_cast<int>(r.integer(2));
}

// ---- TerminateOnNaN -------------------------------------------------------------------------------
void TerminateOnNaN::on_batch_end(Model& model, std::int64_t batch, const Logs& logs) {
  auto it = logs.find("batch_loss");
  if (it == logs.end()) it = logs.find("loss");
  if (it != logs.end() && !std::isfinite(it->second)) {
    if (model.is_root()) std::printf("Batch %lld: invalid loss, terminating training\n", static_cast<long long>(batch));
    terminated_ = true;
    model.stop_training = true;
  }
}

}  // namespace xg::train
