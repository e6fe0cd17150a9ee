# Sequence data in: recurrent's pad_sequences(), timeseries dataset iteration and
# text vectorizer adapt(), each against the same work done by a plain-R reference in
# this script (and, for pad_sequences, by NumPy when python3 with numpy is found),
# plus the memory of iterating a dataset of a million windows.
#
# Usage: Rscript inst/bench/bench-sequence-data.R   (benchmarks the recurrent in .libPaths())
# Prints one line per benchmark: median seconds of recurrent and of the reference,
# and their ratio (reference / recurrent: above 1 means recurrent is faster).
suppressPackageStartupMessages(library(recurrent))

cpu <- function() sum(proc.time()[c("user.self", "sys.self")])
median_time <- function(f, reps = 5L) {
  stats::median(vapply(seq_len(reps), function(i) {
    gc(FALSE)
    t0 <- cpu()
    f()
    cpu() - t0
  }, 0))
}
report <- function(what, ours, ref, ref_name = "plain R") {
  cat(sprintf("%-46s recurrent %7.3f s   %-8s %7.3f s   ratio %5.2f\n", what, ours, ref_name, ref, ref / ours))
}

# ---- pad_sequences on 25,000 IMDB-length sequences ---------------------------------
# IMDB reviews: mean length ~238 words, long right tail; lengths drawn to match.
set.seed(1)
lens <- pmax(10L, as.integer(stats::rlnorm(25000, log(180), 0.75)))
seqs <- lapply(lens, function(n) sample.int(10000L, n, replace = TRUE))

pad_plain_r <- function(seqs, maxlen) {
  out <- matrix(0L, length(seqs), maxlen)
  for (i in seq_along(seqs)) {
    s <- seqs[[i]]
    if (length(s) > maxlen) s <- s[(length(s) - maxlen + 1L):length(s)]
    if (length(s)) out[i, (maxlen - length(s) + 1L):maxlen] <- s
  }
  out
}
ours <- pad_sequences(seqs, maxlen = 200)
stopifnot(identical(ours, pad_plain_r(seqs, 200)))
t_ours <- median_time(function() pad_sequences(seqs, maxlen = 200))
t_ref <- median_time(function() pad_plain_r(seqs, 200))
report("pad_sequences, 25,000 sequences, maxlen 200", t_ours, t_ref)

has_numpy <- function(py) nzchar(py) && file.exists(py) &&
  system2(py, c("-c", shQuote("import numpy")), stdout = FALSE, stderr = FALSE) == 0
pys <- Filter(has_numpy, unique(c(Sys.which("python3"), "/usr/bin/python3")))
if (length(pys)) {
  py <- pys[[1]]
  # NumPy reference: Keras's own pad_sequences loop (a preallocated array filled row by
  # row), timed inside Python on the same lengths
  f <- tempfile(fileext = ".txt")
  writeLines(vapply(seqs, paste, "", collapse = " "), f)
  code <- sprintf(paste(
    "import numpy as np, time",
    "seqs = [np.array(l.split(), dtype=np.int32) for l in open('%s')]",
    "def pad(seqs, maxlen):",
    "    x = np.full((len(seqs), maxlen), 0, dtype='int32')",
    "    for i, s in enumerate(seqs):",
    "        t = s[-maxlen:]",
    "        x[i, -len(t):] = t",
    "    return x",
    "ts = []",
    "for _ in range(5):",
    "    t0 = time.process_time(); pad(seqs, 200); ts.append(time.process_time() - t0)",
    "print(sorted(ts)[2])", sep = "\n"), f)
  t_np <- as.numeric(system2(py, c("-c", shQuote(code)), stdout = TRUE))
  report("pad_sequences, 25,000 sequences, maxlen 200", t_ours, t_np, "NumPy")
}

# ---- timeseries_dataset_from_array over sunspots -----------------------------------
# The monthly sunspot numbers (datasets::sunspot.month, 3,000+ months), windows of
# 120 months with the next month as target, batches of 128: every batch of a pass.
series <- matrix(as.numeric(datasets::sunspot.month))
L <- 120L
n_win <- nrow(series) - L
ds <- timeseries_dataset_from_array(series[1:n_win, , drop = FALSE], series[(L + 1):nrow(series)],
                                    sequence_length = L, batch_size = 128)
walk_dataset <- function() {
  it <- as_iterator(ds)
  while (!is.null(b <- iter_next(it))) NULL
}
walk_plain_r <- function() {
  # the same batches built by copying each window with an R loop
  for (start in seq(1L, n_win, by = 128L)) {
    w <- start:min(start + 127L, n_win)
    x <- array(0, c(length(w), L, 1))
    for (j in seq_along(w)) x[j, , 1] <- series[w[j]:(w[j] + L - 1L), 1]
    y <- series[w + L, 1]
  }
}
b1 <- iter_next(as_iterator(ds))
stopifnot(identical(b1[[1]][5, , 1], series[5:(5 + L - 1), 1]), identical(b1[[2]][5], series[5 + L, 1]))
t_ours <- median_time(walk_dataset)
t_ref <- median_time(walk_plain_r)
report(sprintf("timeseries dataset, sunspots, %d windows", n_win), t_ours, t_ref)

# ---- adapt() of a text vectorizer on 25,000 reviews --------------------------------
words <- c("the", "a", "and", "of", "to", "is", "in", "it", "this", "that", "film", "movie", "good", "bad",
           "great", "boring", "plot", "acting", "story", "was", paste0("w", 1:5000))
probs <- 1 / seq_along(words)
reviews <- vapply(lens, function(n) {
  w <- sample(words, min(n, 300L), replace = TRUE, prob = probs)
  w[1] <- tools::toTitleCase(w[1])
  paste0(paste(w, collapse = " "), ".")
}, "")
adapt_plain_r <- function(texts, max_tokens) {
  t <- gsub("[[:punct:]]", "", tolower(texts))
  tokens <- unlist(strsplit(t, "[[:space:]]+"), use.names = FALSE)
  tab <- table(tokens[nzchar(tokens)])
  keys <- names(tab)
  c("", "[UNK]", utils::head(keys[order(-as.integer(tab), keys, decreasing = c(FALSE, TRUE), method = "radix")],
                             max_tokens - 2L))
}
vec <- layer_text_vectorization(max_tokens = 20000)
adapt(vec, reviews)
stopifnot(identical(get_vocabulary(vec), adapt_plain_r(reviews, 20000)))
t_ours <- median_time(function() adapt(layer_text_vectorization(max_tokens = 20000), reviews), reps = 3L)
t_ref <- median_time(function() adapt_plain_r(reviews, 20000), reps = 3L)
report("text vectorizer adapt(), 25,000 reviews", t_ours, t_ref)

# ---- memory while iterating a million windows --------------------------------------
# A dataset of 1,000,000 windows of 100 steps over a 1,000,099-step series: the
# windows would take 800 MB as doubles; the dataset holds the series and one batch.
long <- matrix(sin(seq_len(1000099) / 50))
big <- timeseries_dataset_from_array(long, NULL, sequence_length = 100, batch_size = 256)
it <- as_iterator(big)
max_used <- function() sum(gc(FALSE)[, 2])   # MB of R memory in use now
before <- max_used()
peaks <- numeric()
for (k in seq_len(length(big))) {
  b <- iter_next(it)
  if (k %% 500 == 0) peaks <- c(peaks, max_used())
}
cat(sprintf("iterating %d batches of 256 x 100 over 1,000,000 windows: R memory in use %.1f MB before, %.1f-%.1f MB during (one batch is %.1f MB)\n",
            length(big), before, min(peaks), max(peaks), 256 * 100 * 8 / 2^20))
