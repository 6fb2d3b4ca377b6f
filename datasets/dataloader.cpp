// One epoch of a DataLoader is an EpochRun: the example order, the batch size, and either nothing
// else (synchronous: advance() builds the next batch) or a producer thread feeding a bounded queue
// (prefetch). The producer builds batches strictly in order and stops at the first exception,
// which it queues in place of the batch; the consumer rethrows it when it reaches that batch.
// The destructor raises `stop`, wakes the producer and joins it: an abandoned epoch waits for at
// most the one batch being built.
#include <xgrad/datasets/dataloader.hpp>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/core/error.hpp>
#include <xgrad/core/random.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

namespace xg::datasets {
namespace detail {

class EpochRun {
 public:
  EpochRun(std::shared_ptr<const Dataset> dataset, std::vector<std::int64_t> order, std::int64_t batch_size,
           std::int64_t num_batches, int prefetch)
      : dataset_(std::move(dataset)), order_(std::move(order)), batch_size_(batch_size), num_batches_(num_batches),
        capacity_(static_cast<std::size_t>(prefetch)) {
    if (num_batches_ > 0 && capacity_ > 0) producer_ = std::thread([this] { produce(); });
  }

  /// Makes batch 0 current. Separate from the constructor so that, if it throws, the destructor
  /// still runs and joins the producer.
  void start() {
    if (num_batches_ > 0) load(0);
  }

  ~EpochRun() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    if (producer_.joinable()) producer_.join();
  }

  EpochRun(const EpochRun&) = delete;
  EpochRun& operator=(const EpochRun&) = delete;

  bool done() const { return index_ >= num_batches_; }
  std::int64_t index() const { return index_; }

  const Batch& current() const {
    if (done()) throw IndexError("DataLoader: dereferenced an iterator at the end of the epoch");
    return current_;
  }

  void advance() {
    if (done()) throw IndexError("DataLoader: advanced an iterator past the end of the epoch");
    if (++index_ < num_batches_) load(index_);
    else current_ = {};
  }

 private:
  struct Item {
    Batch batch;
    std::exception_ptr error;
  };

  // Makes batch b current: built here, or taken from the producer. On failure the epoch ends.
  void load(std::int64_t b) {
    Item item;
    if (capacity_ == 0) {
      try {
        item.batch = build(b);
      } catch (...) {
        item.error = std::current_exception();
      }
    } else {
      item = take();
    }
    if (item.error) {
      index_ = num_batches_;
      current_ = {};
      std::rethrow_exception(item.error);
    }
    current_ = std::move(item.batch);
  }

  // Examples order_[b * batch_size, ...) through the dataset's get_batch, shape-checked.
  Batch build(std::int64_t b) const {
    NoGradGuard no_grad;
    const auto n = static_cast<std::int64_t>(order_.size());
    const std::int64_t begin = b * batch_size_;
    const std::int64_t end = std::min(n, begin + batch_size_);
    const std::vector<std::int64_t> indices(order_.begin() + begin, order_.begin() + end);
    Batch batch = dataset_->get_batch(indices);
    check_rows(batch.x, "x", end - begin);
    if (batch.y.defined()) check_rows(batch.y, "y", end - begin);
    return batch;
  }

  static void check_rows(const Tensor& t, const char* name, std::int64_t rows) {
    if (t.defined() && t.dim() >= 1 && t.size(0) == rows) return;
    throw ShapeError(std::string("DataLoader: the dataset's get_batch returned ") + name + " of shape " +
                     (t.defined() ? shape_str(t.shape()) : std::string("(undefined)")) + " for " +
                     std::to_string(rows) + " indices; expected a first dimension of " + std::to_string(rows));
  }

  void produce() {
    for (std::int64_t b = 0; b < num_batches_; ++b) {
      {
        std::unique_lock lock(mutex_);
        space_.wait(lock, [&] { return stop_ || queue_.size() < capacity_; });
        if (stop_) return;
      }
      Item item;
      try {
        item.batch = build(b);
      } catch (...) {
        item.error = std::current_exception();
      }
      const bool failed = item.error != nullptr;
      {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(item));
      }
      ready_.notify_one();
      if (failed) return;
    }
  }

  Item take() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty(); });
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    space_.notify_one();
    return item;
  }

  std::shared_ptr<const Dataset> dataset_;
  std::vector<std::int64_t> order_;
  std::int64_t batch_size_;
  std::int64_t num_batches_;
  std::int64_t index_ = 0;
  Batch current_;

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable space_;  // the producer waits for room in the queue (or stop)
  std::condition_variable ready_;  // the consumer waits for a queued item
  std::deque<Item> queue_;
  bool stop_ = false;
  std::thread producer_;  // last member: started after everything it uses exists
};

}  // namespace detail

const Batch& DataLoader::Iterator::operator*() const {
  if (!run_) throw IndexError("DataLoader: dereferenced a default-constructed iterator");
  return run_->current();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  if (!run_) throw IndexError("DataLoader: advanced a default-constructed iterator");
  run_->advance();
  return *this;
}

std::int64_t DataLoader::Iterator::index() const { return run_ ? run_->index() : 0; }
bool DataLoader::Iterator::done() const { return !run_ || run_->done(); }

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw ValueError("DataLoader: the dataset is null");
  if (options_.batch_size < 1)
    throw ValueError("DataLoader: batch_size must be >= 1, got " + std::to_string(options_.batch_size));
  if (options_.sampler && options_.shuffle)
    throw ValueError("DataLoader: shuffle and sampler are exclusive (the sampler chooses the order); set shuffle = false");
  if (options_.prefetch < 0)
    throw ValueError("DataLoader: prefetch must be >= 0 (0 = no background thread), got " +
                     std::to_string(options_.prefetch));
  seed_ = options_.seed != 0 ? options_.seed : random::bits(random::reserve(1), 0);
}

DataLoader::Iterator DataLoader::begin() {
  const std::int64_t epoch = epoch_++;
  auto run = std::make_shared<detail::EpochRun>(dataset_, order(epoch), options_.batch_size, size(), options_.prefetch);
  run->start();
  return Iterator(std::move(run));
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = options_.sampler ? options_.sampler->size() : dataset_->size();
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::set_epoch(std::int64_t epoch) {
  if (epoch < 0) throw ValueError("DataLoader::set_epoch: epoch must be >= 0, got " + std::to_string(epoch));
  epoch_ = epoch;
}

std::vector<std::int64_t> DataLoader::order(std::int64_t epoch) const {
  if (options_.sampler) return checked_sampler_order(epoch);
  if (options_.shuffle) return shuffled_order(dataset_->size(), seed_, epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

std::vector<std::int64_t> DataLoader::checked_sampler_order(std::int64_t epoch) const {
  std::vector<std::int64_t> order = options_.sampler->order(epoch);
  const std::int64_t n = dataset_->size();
  if (static_cast<std::int64_t>(order.size()) != options_.sampler->size())
    throw ValueError("DataLoader: the sampler's order for epoch " + std::to_string(epoch) + " has " +
                     std::to_string(order.size()) + " indices; expected its size() " +
                     std::to_string(options_.sampler->size()));
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] < 0 || order[i] >= n)
      throw IndexError("DataLoader: the sampler's index " + std::to_string(order[i]) + " (position " +
                       std::to_string(i) + " of epoch " + std::to_string(epoch) + ") is outside the dataset of " +
                       std::to_string(n) + " examples");
  return order;
}

std::vector<std::int64_t> shuffled_order(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Stream of epoch e: counter e of the seed gives the epoch seed; counter i of the epoch seed
  // draws swap i of a Fisher-Yates shuffle.
  const GeneratorState stream{random::bits({seed, 0}, static_cast<std::uint64_t>(epoch)), 0};
  for (std::size_t i = order.size(); i-- > 1;)
    std::swap(order[i], order[random::bits(stream, i) % (i + 1)]);
  return order;
}

}  // namespace xg::datasets
