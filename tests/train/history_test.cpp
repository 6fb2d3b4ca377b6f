// History: recording (a key that appears late is NaN before), to_json / to_csv content, save by
// extension, plot to PNG (signature) and SVG (well-formed document), and the errors for unknown
// extensions, unknown keys and an empty history.
#include "helpers.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace train_test;
using xg::train::History;

namespace {

History sample_history() {
  History h;
  h.record(0, {{"loss", 0.5}, {"accuracy", 0.75}, {"val_loss", 0.625}, {"val_accuracy", 0.5}});
  h.record(1, {{"loss", 0.25}, {"accuracy", 0.875}, {"val_loss", 0.375}, {"val_accuracy", 0.8125}});
  h.record(2, {{"loss", 0.125}, {"accuracy", 0.9375}, {"val_loss", 0.3125}, {"val_accuracy", 0.875}});
  return h;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history)

BOOST_AUTO_TEST_CASE(record_and_access) {
  const History h = sample_history();
  BOOST_TEST(!h.empty());
  BOOST_TEST(h.epochs() == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST(h.at("loss") == (std::vector<double>{0.5, 0.25, 0.125}), boost::test_tools::per_element());
  BOOST_TEST(h.at("val_accuracy") == (std::vector<double>{0.5, 0.8125, 0.875}), boost::test_tools::per_element());
  BOOST_TEST(History().empty());
  xg::test::expect_error<xg::ValueError>([&] { h.at("acc"); },
                                         {"no key 'acc'", "accuracy, loss, val_accuracy, val_loss"});
}

BOOST_AUTO_TEST_CASE(a_late_key_is_nan_before_it_appears) {
  History h;
  h.record(0, {{"loss", 1.0}});
  h.record(1, {{"loss", 0.5}, {"lr", 0.01}});
  h.record(2, {{"lr", 0.001}});
  const auto& loss = h.at("loss");
  const auto& lr = h.at("lr");
  BOOST_TEST_REQUIRE(loss.size() == 3u);
  BOOST_TEST_REQUIRE(lr.size() == 3u);
  BOOST_TEST(std::isnan(lr[0]));
  BOOST_TEST(lr[1] == 0.01);
  BOOST_TEST(std::isnan(loss[2]));
  // JSON has no NaN: missing values are null.
  const auto j = nlohmann::json::parse(h.to_json());
  BOOST_TEST(j["history"]["lr"][0].is_null());
  BOOST_TEST(j["history"]["lr"][2].get<double>() == 0.001);
}

BOOST_AUTO_TEST_CASE(to_json_content) {
  const History h = sample_history();
  const auto j = nlohmann::json::parse(h.to_json());
  BOOST_TEST(j["epoch"].get<std::vector<int>>() == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(j["history"].size() == 4u);
  for (const std::string key : {"loss", "accuracy", "val_loss", "val_accuracy"})
    BOOST_TEST_CONTEXT("key " << key) {
      BOOST_TEST(j["history"][key].get<std::vector<double>>() == h.at(key), boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(to_csv_content) {
  const auto lines = split_lines(sample_history().to_csv());
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss");
  BOOST_TEST(lines[1] == "0,0.75,0.5,0.5,0.625");
  BOOST_TEST(lines[2] == "1,0.875,0.25,0.8125,0.375");
  BOOST_TEST(lines[3] == "2,0.9375,0.125,0.875,0.3125");
}

BOOST_AUTO_TEST_CASE(save_writes_json_or_csv_by_extension) {
  const History h = sample_history();
  TempDir dir("history_save");
  h.save(dir.file("h.json"));
  h.save(dir.file("h.CSV"));  // extensions are case-insensitive
  BOOST_TEST(read_file(dir.file("h.json")) == h.to_json());
  BOOST_TEST(read_file(dir.file("h.CSV")) == h.to_csv());
  BOOST_TEST(!std::filesystem::exists(dir.file("h.json.tmp")));  // written atomically, no leftovers
  xg::test::expect_error<xg::ValueError>([&] { h.save(dir.file("h.txt")); }, {"unknown format '.txt'", ".json or .csv"});
  BOOST_TEST(!std::filesystem::exists(dir.file("h.txt")));
}

BOOST_AUTO_TEST_CASE(plot_writes_a_png) {
  TempDir dir("history_png");
  const std::string path = dir.file("history.png");
  sample_history().plot(path);
  const std::string bytes = read_file(path);
  BOOST_TEST_REQUIRE(bytes.size() > 1000u);
  BOOST_TEST(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  BOOST_TEST(!std::filesystem::exists(path + ".tmp"));
}

BOOST_AUTO_TEST_CASE(plot_writes_a_well_formed_svg) {
  TempDir dir("history_svg");
  const std::string path = dir.file("history.svg");
  sample_history().plot(path);
  std::string text = read_file(path);
  BOOST_TEST_REQUIRE(!text.empty());
  const auto start = text.find_first_not_of(" \t\r\n");
  BOOST_TEST((text.compare(start, 5, "<?xml") == 0 || text.compare(start, 4, "<svg") == 0), text.substr(0, 80));
  BOOST_TEST(text.find("<svg") != std::string::npos);
  const auto close = text.rfind("</svg>");
  BOOST_TEST_REQUIRE(close != std::string::npos);
  BOOST_TEST(text.find_first_not_of(" \t\r\n", close + 6) == std::string::npos);  // nothing after the root
  // Both panels are drawn, with their titles.
  BOOST_TEST(text.find("loss") != std::string::npos);
  BOOST_TEST(text.find("accuracy") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(plot_errors) {
  TempDir dir("history_plot_errors");
  xg::test::expect_error<xg::ValueError>([&] { sample_history().plot(dir.file("h.jpg")); },
                                         {"unknown format '.jpg'", ".png or .svg"});
  xg::test::expect_error<xg::ValueError>([&] { sample_history().plot(dir.file("noext")); }, {"unknown format", ".png or .svg"});
  xg::test::expect_error<xg::ValueError>([&] { History().plot(dir.file("h.png")); }, {"empty"});
  BOOST_TEST(std::filesystem::is_empty(dir.file("")));
}

BOOST_AUTO_TEST_CASE(fit_history_exports_what_fit_recorded) {
  xg::Sequential model = tiny_model();
  model.compile({.loss = "categorical_crossentropy", .optimizer = "adam", .metrics = {"accuracy"}});
  const TinyData d = tiny_data();
  const History h = model.fit(d.x, d.y, {.epochs = 2, .batch_size = 8, .validation_split = 0.25, .verbose = 0});
  const auto j = nlohmann::json::parse(h.to_json());
  for (const std::string key : {"loss", "accuracy", "val_loss", "val_accuracy"})
    BOOST_TEST(j["history"][key].get<std::vector<double>>() == h.at(key), boost::test_tools::per_element());
  const auto lines = split_lines(h.to_csv());
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[1].rfind("0,", 0) == 0u);
  BOOST_TEST(lines[2].rfind("1,", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
