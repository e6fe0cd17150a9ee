# Entry points for people and CI. README: `make demo`, `make test`, `make install`.
# Every target that runs R code installs the package first, so it runs what users
# get. Reinstalling compiles only the .cpp files that changed (configure's stamp).
R        ?= R
RSCRIPT  ?= Rscript
PKG      := recurrent
VERSION  := $(shell sed -n 's/^Version:[[:space:]]*//p' DESCRIPTION)
TARBALL  := $(PKG)_$(VERSION).tar.gz
# Where `make demo` writes its plot: outside the sources, so R CMD build never ships it.
DEMO_PNG ?= $(or $(TMPDIR),/tmp)/recurrent-sunspots.png
# R CMD INSTALL's output: its own "* ..." lines are shown, the compiler's only on failure.
# The PDF manual needs pdflatex; without it, check everything else.
NO_MANUAL := $(if $(shell command -v pdflatex 2>/dev/null),,--no-manual)
INSTALL_LOG := $(or $(TMPDIR),/tmp)/recurrent-install-$(shell id -u).log

.PHONY: deps deps-test deps-check package install test demo document check bench clean

deps:            ## R packages needed to install and run recurrent
	@$(RSCRIPT) tools/install-deps.R run

deps-test:       ## ... and to run its tests
	@$(RSCRIPT) tools/install-deps.R test

deps-check:      ## ... and to build its vignettes and docs, and check it
	@$(RSCRIPT) tools/install-deps.R check

package: deps    ## compile and install into the default library (no vignettes)
	@echo "== installing recurrent: about 1 min of compiling the first time, seconds when src/ is unchanged"
	@$(R) CMD INSTALL --no-test-load . > "$(INSTALL_LOG)" 2>&1; status=$$?; \
	  if [ $$status -ne 0 ]; then cat "$(INSTALL_LOG)"; echo "make: R CMD INSTALL failed (log above)"; exit 1; fi; \
	  grep -E '^(\*|recurrent:)' "$(INSTALL_LOG)"; rm -f "$(INSTALL_LOG)"

install: package deps-check  ## the package with its vignettes (what the README's install does)
	@echo "== building the vignettes (about 1 min), then installing them with the package"
	@$(RSCRIPT) tools/build-vignettes.R
	@$(R) CMD INSTALL --no-test-load . > /dev/null 2>&1 || $(R) CMD INSTALL --no-test-load .
	@echo "== installed: vignette(package = \"$(PKG)\") lists the vignettes"

test: deps-test package  ## testthat suite against the installed package
	@echo "== running the tests (about 1 to 3 min)"
	@$(RSCRIPT) tools/run-tests.R

demo: package    ## the README's main example
	@echo "== training an LSTM on sunspot.month (under a minute); plot: $(DEMO_PNG)"
	@$(RSCRIPT) inst/examples/demo.R "$(DEMO_PNG)"

document:        ## regenerate RcppExports, NAMESPACE and man/ (commit them)
	@$(RSCRIPT) tools/install-deps.R check
	@$(RSCRIPT) -e 'Rcpp::compileAttributes(); roxygen2::roxygenise()'

check: deps-check  ## R CMD check --as-cran on a built tarball, as CRAN would
	@echo "== R CMD build (builds the vignettes), then R CMD check --as-cran (about 5 to 10 min)"
	@if [ -n "$(NO_MANUAL)" ]; then echo "== no pdflatex here: the PDF manual is not checked (install TeX for a complete check)"; fi
	$(R) CMD build .
	_R_CHECK_FORCE_SUGGESTS_=false $(R) CMD check --as-cran $(NO_MANUAL) $(TARBALL)

bench:           ## the dispatched kernels against a -march=native build (inst/bench/)
	sh inst/bench/bench-dispatch.sh

sanitize:        ## ASan + UBSan build in a separate library, then the tests (tools/sanitize.sh)
	sh tools/sanitize.sh

clean:
	@sh cleanup
	@rm -rf $(PKG)_*.tar.gz $(PKG).Rcheck inst/doc
