# Entry points for people and CI. README: `make demo`, `make test`.
# Every target that runs R code installs first, so it runs what users get
# (compiled with configure's CPU flags), never a stale build.
R       ?= R
RSCRIPT ?= Rscript
PKG     := recurrent
VERSION := $(shell sed -n 's/^Version:[[:space:]]*//p' DESCRIPTION)

.PHONY: deps install test demo document check bench clean

deps:            ## R packages the package, tests and docs need
	$(RSCRIPT) tools/install-deps.R

install: deps    ## build and install into the default library
	$(R) CMD INSTALL .

test: install    ## testthat suite against the installed package
	$(RSCRIPT) tools/run-tests.R

demo: install    ## the README's main example
	$(RSCRIPT) inst/examples/demo.R

document:        ## regenerate RcppExports, NAMESPACE and man/ (commit them)
	$(RSCRIPT) -e 'Rcpp::compileAttributes(); roxygen2::roxygenise()'

check: deps      ## R CMD check on a built tarball, as CRAN would build it
	$(R) CMD build .
	$(R) CMD check --no-manual $(PKG)_$(VERSION).tar.gz

bench:           ## GEMM GFLOP/s, default build vs RECURRENT_PORTABLE=1
	sh inst/bench/bench-gemm.sh

sanitize:        ## ASan + UBSan build in a separate library, then the tests (tools/sanitize.sh)
	sh tools/sanitize.sh

clean:
	sh cleanup
	rm -rf $(PKG)_*.tar.gz $(PKG).Rcheck
