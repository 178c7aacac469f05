#!/bin/sh
# Writes data/co2.csv from R's datasets package (Debian's r-base-core: apt-get install r-base-core): the monthly
# atmospheric CO2 concentration at Mauna Loa, 1959-1997, in ppm (C. D. Keeling and T. P. Whorf, Scripps Institution
# of Oceanography), one row per month, oldest first. Run from the repository root: sh Scripts/co2-csv.sh
set -eu
Rscript -e 'x <- datasets::co2
write.csv(data.frame(month = sprintf("%d-%02d", floor(time(x) + 1e-6), cycle(x)), ppm = as.numeric(x)),
          "data/co2.csv", row.names = FALSE, quote = FALSE)'
