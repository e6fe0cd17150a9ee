// Entry points for optimizers: one call applies a whole step to every variable.
#include "bind-common.h"
#include "core/optim.h"

namespace core = recurrent::core;
namespace optim = recurrent::core::optim;

namespace {

template <typename T>
T field(const Rcpp::List& cfg, const char* name, T fallback) {
  if (!cfg.containsElementNamed(name)) return fallback;
  SEXP v = cfg[name];
  if (Rf_isNull(v)) return fallback;
  return Rcpp::as<T>(v);
}

optim::Config parse_config(const Rcpp::List& cfg) {
  optim::Config c;
  const std::string kind = field<std::string>(cfg, "kind", "sgd");
  if (kind == "sgd") c.kind = optim::Kind::SGD;
  else if (kind == "adam") c.kind = optim::Kind::Adam;
  else if (kind == "rmsprop") c.kind = optim::Kind::RMSprop;
  else if (kind == "adagrad") c.kind = optim::Kind::Adagrad;
  else if (kind == "nadam") c.kind = optim::Kind::Nadam;
  else if (kind == "adamax") c.kind = optim::Kind::Adamax;
  else if (kind == "adadelta") c.kind = optim::Kind::Adadelta;
  else if (kind == "ftrl") c.kind = optim::Kind::Ftrl;
  else if (kind == "lion") c.kind = optim::Kind::Lion;
  else if (kind == "lamb") c.kind = optim::Kind::Lamb;
  else if (kind == "adafactor") c.kind = optim::Kind::Adafactor;
  else throw core::Error("unknown optimizer kind \"" + kind + "\"");
  c.learning_rate = field<double>(cfg, "learning_rate", c.learning_rate);
  c.momentum = field<double>(cfg, "momentum", 0.0);
  c.nesterov = field<bool>(cfg, "nesterov", false);
  c.beta_1 = field<double>(cfg, "beta_1", c.beta_1);
  c.beta_2 = field<double>(cfg, "beta_2", c.beta_2);
  c.amsgrad = field<bool>(cfg, "amsgrad", false);
  c.rho = field<double>(cfg, "rho", c.rho);
  c.centered = field<bool>(cfg, "centered", false);
  c.epsilon = field<double>(cfg, "epsilon", c.epsilon);
  c.learning_rate_power = field<double>(cfg, "learning_rate_power", c.learning_rate_power);
  c.l1 = field<double>(cfg, "l1_regularization_strength", 0.0);
  c.l2 = field<double>(cfg, "l2_regularization_strength", 0.0);
  c.l2_shrinkage = field<double>(cfg, "l2_shrinkage_regularization_strength", 0.0);
  c.beta = field<double>(cfg, "beta", 0.0);
  c.beta_2_decay = field<double>(cfg, "beta_2_decay", c.beta_2_decay);
  c.epsilon_1 = field<double>(cfg, "epsilon_1", c.epsilon_1);
  c.epsilon_2 = field<double>(cfg, "epsilon_2", c.epsilon_2);
  c.clip_threshold = field<double>(cfg, "clip_threshold", c.clip_threshold);
  c.lr_clamp = field<bool>(cfg, "relative_step_clamp", false);
  if (cfg.containsElementNamed("weight_decay") && !Rf_isNull(cfg["weight_decay"])) {
    c.use_weight_decay = true;
    c.weight_decay = Rcpp::as<double>(cfg["weight_decay"]);
  }
  c.clipnorm = field<double>(cfg, "clipnorm", 0.0);
  c.clipvalue = field<double>(cfg, "clipvalue", 0.0);
  c.global_clipnorm = field<double>(cfg, "global_clipnorm", 0.0);
  c.gradient_scale = field<double>(cfg, "gradient_scale", 1.0);
  c.accumulation_steps = static_cast<int64_t>(field<double>(cfg, "gradient_accumulation_steps", 0.0));
  c.use_ema = field<bool>(cfg, "use_ema", false);
  c.ema_momentum = field<double>(cfg, "ema_momentum", c.ema_momentum);
  c.ema_overwrite_frequency = static_cast<int64_t>(field<double>(cfg, "ema_overwrite_frequency", 0.0));
  c.iterations = static_cast<int64_t>(field<double>(cfg, "iterations", 0.0));
  return c;
}

}  // namespace

// How many slot tensors each variable needs under `config`.
// [[Rcpp::export]]
int cpp_optim_slot_count(Rcpp::List config) { return optim::slot_count(parse_config(config)); }

// A new tensor shaped and typed like `variable`, filled with `value`.
// [[Rcpp::export]]
SEXP cpp_optim_slot(SEXP variable, double value) {
  core::Tensor v = bind::as_tensor(variable);
  return bind::wrap(core::Tensor::full(v.shape(), v.dtype(), value));
}

// One optimizer step over all variables. `gradients[[i]]` may be NULL (no
// gradient: the variable is skipped); `slots[[i]]` is a list of tensors.
// [[Rcpp::export]]
void cpp_optim_apply(Rcpp::List config, Rcpp::List variables, Rcpp::List gradients, Rcpp::List slots,
                     Rcpp::LogicalVector decay) {
  bind::not_replayable();
  const R_xlen_t n = variables.size();
  if (gradients.size() != n || slots.size() != n || decay.size() != n)
    throw core::Error("optimizer step: variables, gradients, slots and decay flags differ in length");
  optim::Config c = parse_config(config);
  std::vector<optim::Entry> entries(static_cast<size_t>(n));
  for (R_xlen_t i = 0; i < n; ++i) {
    optim::Entry& e = entries[static_cast<size_t>(i)];
    e.variable = bind::as_tensor(variables[i]);
    SEXP g = gradients[i];
    if (!Rf_isNull(g)) e.gradient = bind::as_tensor(g);
    Rcpp::List s = slots[i];
    for (R_xlen_t k = 0; k < s.size(); ++k) e.slots.push_back(bind::as_tensor(s[k]));
    e.decay = decay[i] == TRUE;
  }
  optim::apply(c, entries);
}

// The global norm of a list of gradients (NULL entries skipped).
// [[Rcpp::export]]
double cpp_optim_global_norm(Rcpp::List gradients) {
  std::vector<optim::Entry> entries(static_cast<size_t>(gradients.size()));
  for (R_xlen_t i = 0; i < gradients.size(); ++i) {
    SEXP g = gradients[i];
    if (!Rf_isNull(g)) entries[static_cast<size_t>(i)].gradient = bind::as_tensor(g);
  }
  return optim::global_norm(entries);
}
