# CTC loss speed: op_ctc_loss() (C++ forward-backward, loss and gradient) against
# the same forward recursion written in plain R (loss only), and against one GRU
# layer's forward pass over the same batch (what a CTC model computes anyway).
# Prints times and ratios. Usage: Rscript inst/bench/bench-ctc.R
suppressMessages(library(recurrent))
set.seed(1)
B <- 16; Tn <- 50; C <- 20; L <- 10
logits <- array(rnorm(B * Tn * C), c(B, Tn, C))
labels <- matrix(sample(1:(C - 1), B * L, replace = TRUE), B, L)

# plain-R forward (alpha) recursion in log space, blank = 0
r_ctc <- function(logits, labels) {
  vapply(seq_len(dim(logits)[1]), function(b) {
    z <- logits[b, , ]
    lp <- z - apply(z, 1, function(r) max(r) + log(sum(exp(r - max(r)))))
    ext <- c(0, rbind(labels[b, ], 0))
    S <- length(ext)
    skip <- c(FALSE, FALSE, ext[3:S] != 0 & ext[3:S] != ext[1:(S - 2)])
    la <- function(a, b) ifelse(a == -Inf & b == -Inf, -Inf, pmax(a, b) + log1p(exp(-abs(a - b))))
    alpha <- rep(-Inf, S); alpha[1:2] <- lp[1, ext[1:2] + 1]
    for (t in 2:nrow(lp)) {
      a <- la(alpha, c(-Inf, alpha[-S]))
      a <- ifelse(skip, la(a, c(-Inf, -Inf, alpha[1:(S - 2)])), a)
      alpha <- a + lp[t, ext + 1]
    }
    -la(alpha[S], alpha[S - 1])
  }, 0)
}

time_it <- function(f, reps = 5) { f(); median(replicate(reps, system.time(f())[["elapsed"]])) }
x <- op_convert_to_tensor(logits)
t_cpp <- time_it(function() recurrent:::value_and_gradients(function(ts) op_sum(op_ctc_loss(labels, ts[[1]], rep(L, B), rep(Tn, B))), list(logits)))
t_r <- time_it(function() r_ctc(logits, labels), reps = 3)
gru <- layer_gru(units = 64, return_sequences = TRUE)
t_gru <- time_it(function() gru(x))
stopifnot(isTRUE(all.equal(as.numeric(as.array(op_ctc_loss(labels, logits, rep(L, B), rep(Tn, B)))), r_ctc(logits, labels), tolerance = 1e-4)))
cat(sprintf("batch %d, time %d, classes %d, labels %d\n", B, Tn, C, L))
cat(sprintf("op_ctc_loss loss + gradient: %.4f s\n", t_cpp))
cat(sprintf("plain R forward only:        %.4f s  (ratio R / C++: %.0fx)\n", t_r, t_r / t_cpp))
cat(sprintf("GRU(64) forward, same batch: %.4f s  (ratio CTC / GRU: %.2f)\n", t_gru, t_cpp / t_gru))
