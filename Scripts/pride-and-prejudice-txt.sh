#!/bin/sh
# Writes data/pride-and-prejudice.txt: the title and chapters 1 to 6 of Jane Austen's Pride and Prejudice (1813,
# public domain), line for line as Debian's r-cran-janeaustenr holds the novel (apt-get install r-cran-janeaustenr;
# the R package, MIT-licensed by Julia Silge, takes its text from Project Gutenberg). Run from the repository root:
# sh Scripts/pride-and-prejudice-txt.sh
set -eu
Rscript -e 'x <- janeaustenr::prideprejudice
chapters <- grep("^Chapter", x)
writeLines(x[1:(chapters[7] - 1)], "data/pride-and-prejudice.txt")'
