"""Tables: reporting groups and rendering."""

from drumnmf.evaluation.experiments.tables import Table, subset_group


def test_subset_group_pools_groove_kits():
    assert subset_group("groove/train/BJA_Pacific/acc-6db") == "groove/train/*/acc-6db"
    assert subset_group("mdb/acc") == "mdb/acc"
    assert subset_group("enst/wet_mix/phrase") == "enst/wet_mix/phrase"


def test_table_renders_nan_as_dash():
    table = Table("T", ("data", "F"), (("a", 0.5), ("b", float("nan"))), note="n")
    md = table.markdown()
    assert "| a | 0.500 |" in md and "| b | – |" in md and md.rstrip().endswith("n")
    assert table.csv().splitlines() == ["data,F", "a,0.5", "b,"]
