# Installs the R packages that recurrent, its tests and its docs need, when
# missing or older than DESCRIPTION asks. Usage: Rscript tools/install-deps.R
#
# On Debian/Ubuntu as root, prebuilt r-cran-* packages come first: compiling
# Rcpp and RcppEigen from source takes minutes. CRAN covers the rest.
# Exits with status 1 if something is still missing at the end.

cran <- "https://cloud.r-project.org"
always <- c("Rcpp", "RcppEigen", "R6", "cli", "rlang", "magrittr", "zeallot",
            "generics", "testthat", "withr", "knitr", "rmarkdown", "roxygen2", "jsonlite")

# DESCRIPTION may name more (or newer) packages than the list above; read it
# from the repository root, found from this script's own path.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
root <- if (length(script)) dirname(dirname(normalizePath(script[1]))) else "."
desc_deps <- function(path) {
  if (!file.exists(path)) return(character())
  fields <- read.dcf(path, fields = c("Depends", "Imports", "LinkingTo", "Suggests"))
  items <- trimws(unlist(strsplit(fields[!is.na(fields)], ",")))
  items[nzchar(items)]
}
items <- desc_deps(file.path(root, "DESCRIPTION"))
pkgs <- sub("^([A-Za-z0-9.]+).*$", "\\1", items)
mins <- ifelse(grepl(">=", items), sub("^.*>=\\s*([0-9.-]+).*$", "\\1", items), NA)
base <- rownames(installed.packages(priority = "base"))
keep <- !(pkgs %in% c("R", base))
wanted <- unique(c(always, pkgs[keep]))
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

run_quiet <- function(cmd, args) {
  log <- tempfile()
  status <- system2(cmd, args, stdout = log, stderr = log,
                    env = "DEBIAN_FRONTEND=noninteractive")
  status == 0
}

apt_install <- function(pkgs) {
  debs <- paste0("r-cran-", tolower(pkgs))
  args <- c("install", "-y", "-q", "--no-install-recommends")
  message("apt-get install ", paste(debs, collapse = " "))
  if (run_quiet("apt-get", c(args, debs))) return(invisible())
  # Stale package lists, or a name apt does not know: refresh once, then
  # install only the names apt has a candidate for.
  run_quiet("apt-get", c("update", "-q"))
  known <- debs[vapply(debs, function(d) run_quiet("apt-cache", c("show", d)), logical(1))]
  if (length(known) && !run_quiet("apt-get", c(args, known)))
    message("apt-get failed; falling back to CRAN")
}

todo <- missing_pkgs()
is_root <- identical(unname(Sys.info()["effective_user"]), "root")
if (length(todo) && is_root && nzchar(Sys.which("apt-get"))) {
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
  utils::install.packages(todo, lib = lib, repos = cran, quiet = TRUE,
                          Ncpus = min(4L, parallel::detectCores(), na.rm = TRUE))
  todo <- missing_pkgs()
}

if (length(todo)) {
  message("still missing: ", paste(todo, collapse = " "))
  quit(status = 1)
}
message("dependencies present: ", length(wanted), " packages")
