"""Writes data/movie-snippets.csv from the vaderSentiment sdist (MIT License, C.J. Hutto): the 10,605 movie-review
snippets its additional_resources rate from -4 to 4 (Hutto & Gilbert, ICWSM 2014), labelled positive or negative by
the sign of the mean rating (the 37 rated exactly 0 are left out). Standard library only.

    pip download vaderSentiment==3.3.2 --no-deps --no-binary :all: -d /tmp/vader
    python3 Scripts/movie-snippets-csv.py /tmp/vader/vaderSentiment-3.3.2.tar.gz data/movie-snippets.csv
"""
import csv
import io
import sys
import tarfile

sdist, output = sys.argv[1], sys.argv[2]
with tarfile.open(sdist) as outer:
    inner_member = next(m for m in outer.getmembers() if m.name.endswith("additional_resources/hutto_ICWSM_2014.tar.gz"))
    with tarfile.open(fileobj=io.BytesIO(outer.extractfile(inner_member).read())) as inner:
        member = next(m for m in inner.getmembers() if m.name.endswith("movieReviewSnippets_GroundTruth.txt"))
        lines = inner.extractfile(member).read().decode("utf-8").splitlines()

with open(output, "w", newline="", encoding="utf-8") as file:
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(["label", "text"])
    for line in lines:
        _, rating, text = line.split("\t")
        if float(rating) != 0:
            writer.writerow(["positive" if float(rating) > 0 else "negative", text.strip()])
