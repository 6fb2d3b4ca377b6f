#pragma once
// History: what Model::fit returns — one value per epoch for every logged quantity
// ("loss", "accuracy", "val_loss", "val_accuracy", "lr"...), exportable as JSON/CSV and plottable.
#include <map>
#include <string>
#include <vector>

namespace xg::train {

/// Per-epoch values of one fit() run.
class History {
 public:
  History() = default;
  /// A history holding `values` (each column as long as `epochs`) for `epochs`, e.g. restored
  /// from a checkpoint; throws ValueError naming a column of another length.
  History(std::vector<int> epochs, std::map<std::string, std::vector<double>> values);

  /// Appends the logs of one finished epoch.
  void record(int epoch, const std::map<std::string, double>& logs);

  /// Epoch numbers (0-based, as Keras' history.epoch).
  const std::vector<int>& epochs() const { return epochs_; }
  /// Values of one key; throws ValueError listing the keys when absent.
  const std::vector<double>& at(const std::string& key) const;
  bool contains(const std::string& key) const { return values_.count(key) != 0; }
  const std::map<std::string, std::vector<double>>& values() const { return values_; }
  bool empty() const { return epochs_.empty(); }

  /// {"epoch": [...], "history": {"loss": [...], ...}}.
  std::string to_json() const;
  /// One row per epoch: epoch,key1,key2,... (keys sorted).
  std::string to_csv() const;
  /// Writes JSON or CSV depending on the extension (.json / .csv), atomically.
  void save(const std::string& path) const;
  /// Plots loss/val_loss and accuracy/val_accuracy (side by side) to .png or .svg through gnuplot.
  void plot(const std::string& path) const;

 private:
  std::vector<int> epochs_;
  std::map<std::string, std::vector<double>> values_;
};

}  // namespace xg::train
