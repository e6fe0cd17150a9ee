# Builds the vignettes with the installed recurrent and puts them in inst/doc (as
# R CMD build does), so that the next R CMD INSTALL . installs them and
# vignette(package = "recurrent") lists them. Used by `make install`.
# Usage: Rscript tools/build-vignettes.R   (from anywhere; inst/doc is not committed)
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
if (length(script)) setwd(dirname(dirname(normalizePath(script[1]))))
if (!nzchar(Sys.which("pandoc")) && !rmarkdown::pandoc_available())
  stop("the vignettes need pandoc: apt-get install pandoc (or see https://pandoc.org/installing.html)")
res <- tools::buildVignettes(dir = ".", tangle = TRUE, quiet = TRUE)
dir.create("inst/doc", showWarnings = FALSE, recursive = TRUE)
src <- list.files("vignettes", pattern = "\\.Rmd$", full.names = TRUE)
made <- unlist(res$outputs)
sources <- unlist(res$sources)
file.copy(c(src, file.path("vignettes", basename(made)), sources), "inst/doc", overwrite = TRUE)
unlink(c(file.path("vignettes", basename(made)), sources))
cat(sprintf("built %d vignettes into inst/doc\n", length(made)))
