# Installs the R packages one use of recurrent needs, when missing or older than
# DESCRIPTION asks:
#   Rscript tools/install-deps.R run     to install and run it (Depends, Imports, LinkingTo)
#   Rscript tools/install-deps.R test    ... and to run its tests (Suggests but the doc tools)
#   Rscript tools/install-deps.R check   ... and to build its docs and check it (all + roxygen2)
#
# On Debian/Ubuntu as root, prebuilt r-cran-* packages come first: compiling
# Rcpp and RcppEigen from source takes minutes. CRAN covers the rest. Whatever
# fails is shown (the end of apt-get's or R's own output), and the script exits
# with status 1 if something is still missing at the end.

cran <- "https://cloud.r-project.org"
profile <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(profile)) profile <- "test"
if (!profile %in% c("run", "test", "check")) stop("usage: Rscript tools/install-deps.R [run|test|check]")

# Needed beyond DESCRIPTION's fields, per profile: tests run with testthat and withr,
# the docs are made with roxygen2. The doc tools are not needed to run the tests.
doc_tools <- c("knitr", "rmarkdown", "roxygen2")
extra <- list(run = character(), test = c("testthat", "withr"), check = c("testthat", "withr", doc_tools))

script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
root <- if (length(script)) dirname(dirname(normalizePath(script[1]))) else "."
desc_items <- function(fields) {
  path <- file.path(root, "DESCRIPTION")
  if (!file.exists(path)) return(character())
  got <- read.dcf(path, fields = fields)
  items <- trimws(unlist(strsplit(got[!is.na(got)], ",")))
  items[nzchar(items)]
}
items <- desc_items(c("Depends", "Imports", "LinkingTo"))
if (profile != "run") {
  suggests <- desc_items("Suggests")
  if (profile == "test") suggests <- suggests[!sub("[ (].*$", "", suggests) %in% doc_tools]
  items <- c(items, suggests)
}
pkgs <- sub("^([A-Za-z0-9.]+).*$", "\\1", items)
mins <- ifelse(grepl(">=", items), sub("^.*>=\\s*([0-9.-]+).*$", "\\1", items), NA)
base <- rownames(installed.packages(priority = "base"))
keep <- !(pkgs %in% c("R", base))
wanted <- unique(c(extra[[profile]], pkgs[keep]))
min_version <- setNames(mins[keep], pkgs[keep])

# missing_pkgs(): the wanted packages not installed, or older than required.
missing_pkgs <- function() {
  ok <- vapply(wanted, function(p) {
    if (!length(find.package(p, quiet = TRUE))) return(FALSE)
    need <- min_version[p]
    is.na(need) || utils::packageVersion(p) >= need
  }, logical(1))
  wanted[!ok]
}

# Runs a command; on failure shows the end of its output and returns FALSE.
run_shown <- function(cmd, args, show = TRUE) {
  out <- suppressWarnings(system2(cmd, args, stdout = TRUE, stderr = TRUE,
                                  env = "DEBIAN_FRONTEND=noninteractive"))
  status <- attr(out, "status")
  ok <- is.null(status) || status == 0
  if (!ok && show) message(paste(c(sprintf("%s failed; its last lines:", cmd), utils::tail(out, 15)), collapse = "\n"))
  ok
}

apt_install <- function(pkgs) {
  debs <- paste0("r-cran-", tolower(pkgs))
  args <- c("install", "-y", "-q", "--no-install-recommends")
  message("apt-get install ", paste(debs, collapse = " "))
  if (run_shown("apt-get", c(args, debs), show = FALSE)) return(invisible())
  # Stale package lists, or a name apt does not know: refresh once, then install
  # only the names apt has a candidate for.
  run_shown("apt-get", c("update", "-q"))
  known <- debs[vapply(debs, function(d) run_shown("apt-cache", c("show", d), show = FALSE), logical(1))]
  if (length(known) && !run_shown("apt-get", c(args, known)))
    message("apt-get failed; falling back to CRAN")
}

todo <- missing_pkgs()
if (!length(todo)) quit(save = "no", status = 0)  # quiet when there is nothing to do
is_root <- identical(unname(Sys.info()["effective_user"]), "root")
if (is_root && nzchar(Sys.which("apt-get"))) {
  apt_install(todo)
  todo <- missing_pkgs()
}

if (length(todo)) {
  lib <- .libPaths()[1]
  if (file.access(lib, 2) != 0) {  # not root: use the personal library
    lib <- Sys.getenv("R_LIBS_USER")
    dir.create(lib, recursive = TRUE, showWarnings = FALSE)
    .libPaths(c(lib, .libPaths()))
  }
  message("install.packages from CRAN: ", paste(todo, collapse = " "))
  outputs <- file.path(tempdir(), "install-outputs")
  dir.create(outputs, showWarnings = FALSE)
  utils::install.packages(todo, lib = lib, repos = cran, quiet = TRUE, keep_outputs = outputs,
                          Ncpus = min(4L, parallel::detectCores(), na.rm = TRUE))
  todo <- missing_pkgs()
  for (p in todo) {  # show why, from R's own output for that package
    out <- file.path(outputs, paste0(p, ".out"))
    if (file.exists(out)) message(paste(c(sprintf("installing %s failed; its last lines:", p),
                                          utils::tail(readLines(out), 20)), collapse = "\n"))
  }
}

if (length(todo)) {
  message("still missing: ", paste(todo, collapse = " "))
  quit(save = "no", status = 1)
}
message("dependencies installed (", profile, "): ", length(wanted), " packages present")
