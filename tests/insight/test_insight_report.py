"""The HTML report: sections by what is given, self-contained, written atomically."""

import re

import pytest

import automl
from automl._model_file import load_model
from automl.insight import build_report

EXTERNAL = re.compile(r"<script[^>]*\ssrc=|<link\b|@import|url\(\s*['\"]?https?:|"
                      r"\ssrc=['\"]?(?:https?:)?//", re.I)


def sections(text):
    return re.findall(r'<section id="([^"]+)">', text)


def test_labelled_report_has_every_section_and_nothing_external(binary_report):
    path = binary_report
    text = path.read_text(encoding="utf-8")
    assert sections(text) == ["data", "performance", "diagnostics", "importances", "errors",
                              "search", "model"]
    assert not EXTERNAL.search(text)
    images = re.findall(r"<img [^>]*src=\"data:image/svg\+xml;base64,", text)
    assert len(images) >= 8  # missing, ROC/PR, calibration, confusion, per class, ...
    assert "ROC AUC (search metric)" in text and "sk-top-container" in text  # sklearn repr
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_without_data_the_search_and_the_model(regression, tmp_path):
    text = regression[0].report(path=tmp_path / "r.html").read_text(encoding="utf-8")
    assert sections(text) == ["search", "model"]
    assert "No data was given" in text


def test_training_rows_are_reported_out_of_fold(regression, tmp_path):
    model, X, y, _, _ = regression
    text = model.report(X, y, tmp_path / "r.html", training=True, n_repeats=2).read_text()
    assert "training rows, out-of-fold predictions" in text
    assert "Predicted against actual" in text or "Regression diagnostics" in text
    assert "RMSE (search metric)" in text


def test_never_overwrites_without_force(regression, tmp_path):
    path = tmp_path / "r.html"
    path.write_text("mine")
    with pytest.raises(FileExistsError, match="force"):
        regression[0].report(path=path)
    assert path.read_text() == "mine"
    regression[0].report(path=path, force=True)
    assert path.read_text().startswith("<!DOCTYPE html>")


def test_a_model_file_reports_unlabelled_rows_from_its_metadata(binary, tmp_path):
    model, _, _, X_test, _ = binary
    automl.save(model, tmp_path / "m.skops", metadata={"target": "y"})
    loaded, metadata = load_model(tmp_path / "m.skops")
    text = build_report(loaded, X_test.assign(extra=1), metadata=metadata)
    assert sections(text) == ["data", "predictions", "search", "model"]
    assert "Columns the model does not use (ignored): extra" in text
    assert "not kept in model files" in text and "Leaderboard (top 10)" in text
    assert metadata["leaderboard"][0]["family"] in text
