"""Time scales of bruteforce: each window with its own thresholds, and one report per attack.

An attack is often over threshold at two scales (a burst inside hours of slow tries). Sources of the
long scales' numbers are in docs/bruteforce.md.
"""

from dataclasses import dataclass

import polars as pl

from forensics_cli.durations import duration_label


@dataclass(frozen=True)
class Scale:
    """One time scale: its window and the counts inside one window that make each kind."""

    window_s: float
    threshold: int  # failures from one source, or against one account
    min_users: int  # distinct accounts from one source (password_spray)
    min_sources: int  # distinct sources against one account (distributed_brute_force)
    stuffing: bool = False  # credential stuffing (a surge over the log's own baseline) looked for here

    @property
    def name(self) -> str:
        return duration_label(self.window_s)


# Sources in docs/bruteforce.md: Elastic's Microsoft 365 / Entra brute-force rules count failures over
# 30 to 60 minutes; fail2ban's recidive jail looks back one day (5 bans of 5 failures: 25 failures), and
# a day's threshold twice that keeps clients retrying an expired credential below it.
LONG_SCALES = (Scale(3600.0, 20, 20, 5), Scale(86400.0, 50, 30, 5))


def best_scale(by_scale: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per attack: a longer scale's episode replaces the shorter ones of the same pivot and key
    that it overlaps when it holds more failures than they do together; otherwise they stay."""
    kept = by_scale[0]
    for longer in by_scale[1:]:
        shorter = kept.select(
            "_pivot",
            "_key",
            pl.col("_episode").alias("_short"),
            pl.col("first_seen").alias("_s_first"),
            pl.col("last_seen").alias("_s_last"),
            pl.col("failures").alias("_s_failures"),
        )
        overlaps = (
            longer.select("_episode", "_pivot", "_key", "first_seen", "last_seen", "failures")
            .join(shorter, on=["_pivot", "_key"])
            .filter((pl.col("_s_first") <= pl.col("last_seen")) & (pl.col("_s_last") >= pl.col("first_seen")))
        )
        covered = overlaps.group_by("_episode").agg(
            pl.col("_s_failures").sum().alias("_covered"), pl.col("failures").first(), pl.col("_short")
        )
        losing = covered.filter(pl.col("_covered") >= pl.col("failures"))["_episode"]
        replaced = covered.filter(pl.col("_covered") < pl.col("failures"))["_short"].explode()
        kept = pl.concat(
            [
                kept.filter(~pl.col("_episode").is_in(replaced.implode())),
                longer.filter(~pl.col("_episode").is_in(losing.implode())),
            ],
            how="vertical_relaxed",
        )
    return kept
