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
# buildVignettes() names outputs and tangled R code relative to vignettes/
made <- file.path("vignettes", basename(unlist(res$outputs)))
sources <- file.path("vignettes", basename(unlist(res$sources)))
ok <- file.copy(c(src, made, sources), "inst/doc", overwrite = TRUE)
if (!all(ok)) stop("could not copy to inst/doc: ", paste(c(src, made, sources)[!ok], collapse = ", "))
unlink(c(made, sources))
cat(sprintf("built %d vignettes into inst/doc\n", length(made)))
