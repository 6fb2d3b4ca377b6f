#!/usr/bin/python3
"""Generates tests/optim/reference_values.hpp: PyTorch reference values for the optim tests.

Run with Debian's python3-torch (1.13), not a pyenv python:
    /usr/bin/python3 scripts/gen_optim_reference.py

Every optimizer case starts from the same small float64 parameters and feeds, at step k (1-based),
the deterministic gradient  grad = 2 * p + 0.1 * k * cos(p)  computed from the current parameters,
so the C++ test (tests/optim/reference_test.cpp) reproduces it without any fixture data. The header
stores each case's full option set (the optimizer's param_groups entry, i.e. PyTorch's defaults
included), so both sides run with the same hyperparameters even where xgrad's defaults differ.
Scheduler cases record the learning rates right after construction and after every step();
clipping cases record the returned total norm and the clipped gradients.
"""
import math
import os
import sys
import warnings

import torch

STEPS = 5
INITIAL_PARAMS = [
    [[0.5, -1.2, 0.3], [2.0, -0.7, 1.1]],
    [0.25, -0.4],
]
# Options each C++ optimizer understands (PyTorch names); everything else in param_groups is ignored.
OPTION_KEYS = ["lr", "momentum", "dampening", "nesterov", "weight_decay", "betas", "eps", "amsgrad",
               "alpha", "centered", "lr_decay", "initial_accumulator_value", "rho"]

# name, torch class, overrides; "second_group_lr" puts the second parameter in its own group.
OPTIMIZER_CASES = [
    ("sgd_plain", "SGD", dict(lr=0.1)),
    ("sgd_momentum", "SGD", dict(lr=0.05, momentum=0.9)),
    ("sgd_dampening", "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd_weight_decay", "SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.01)),
    ("adam_default", "Adam", dict(lr=0.01)),
    ("adam_amsgrad", "Adam", dict(lr=0.02, betas=(0.8, 0.99), amsgrad=True)),
    ("adam_weight_decay", "Adam", dict(lr=0.01, weight_decay=0.1, eps=1e-6)),
    ("adam_two_groups", "Adam", dict(lr=0.01, second_group_lr=0.05)),
    ("adamw_default", "AdamW", dict(lr=0.01)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("rmsprop_plain", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-7)),
    ("rmsprop_momentum", "RMSprop", dict(lr=0.01, alpha=0.95, eps=1e-7, momentum=0.9)),
    ("rmsprop_centered", "RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-7, centered=True, momentum=0.5,
                                         weight_decay=0.05)),
    ("adagrad_plain", "Adagrad", dict(lr=0.1)),
    ("adagrad_decay", "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.1,
                                      eps=1e-7)),
    ("adadelta_plain", "Adadelta", dict(lr=1.0)),
    ("adadelta_weight_decay", "Adadelta", dict(lr=0.5, rho=0.95, eps=1e-7, weight_decay=0.1)),
]


def gradient(p, step):
    return 2.0 * p + 0.1 * step * torch.cos(p)


def run_optimizer(cls_name, overrides):
    overrides = dict(overrides)
    second_lr = overrides.pop("second_group_lr", None)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in INITIAL_PARAMS]
    cls = getattr(torch.optim, cls_name)
    if second_lr is None:
        opt = cls(params, **overrides)
    else:
        opt = cls([{"params": [params[0]]}, {"params": [params[1]], "lr": second_lr}], **overrides)
    group = opt.param_groups[0]
    options = {}
    for key in OPTION_KEYS:
        if key not in group:
            continue
        if key == "betas":
            options["beta1"], options["beta2"] = group["betas"]
        else:
            options[key] = float(group[key])
    if second_lr is not None:
        options["second_group_lr"] = second_lr
    trajectory = []
    for step in range(1, STEPS + 1):
        for p in params:
            p.grad = gradient(p.detach(), step)
        opt.step()
        trajectory.append([p.detach().flatten().tolist() for p in params])
    return options, trajectory


# Scheduler cases: name, kind, options, base lrs of the groups, number of steps, metrics (plateau).
SCHEDULER_CASES = [
    ("step_lr", "StepLR", dict(step_size=3, gamma=0.5), [0.1], 10, None),
    ("step_lr_two_groups", "StepLR", dict(step_size=2, gamma=0.1), [0.1, 0.02], 7, None),
    ("exponential_lr", "ExponentialLR", dict(gamma=0.9), [0.1], 8, None),
    ("cosine_lr", "CosineAnnealingLR", dict(t_max=5, eta_min=0.001), [0.1], 14, None),
    ("cosine_lr_zero_min", "CosineAnnealingLR", dict(t_max=4, eta_min=0.0), [0.5], 10, None),
    ("linear_warmup", "LinearWarmup", dict(start_factor=0.25, warmup_steps=4), [0.1], 8, None),
    ("warmup_then_cosine", "LinearWarmup", dict(start_factor=0.2, warmup_steps=3, inner_cosine_t_max=6,
                                                inner_cosine_eta_min=0.01), [0.1], 12, None),
    ("warmup_then_step", "LinearWarmup", dict(start_factor=0.5, warmup_steps=2, inner_step_size=2,
                                              inner_gamma=0.1), [1.0, 0.5], 9, None),
    ("plateau_min", "ReduceLROnPlateau", dict(factor=0.5, patience=1, threshold=0.01, cooldown=1, min_lr=0.02),
     [0.1], 14, [1.0, 0.9, 0.95, 0.91, 0.905, 0.8, 0.85, 0.86, 0.87, 0.88, 0.7, 0.71, 0.72, 0.73]),
    ("plateau_max_abs", "ReduceLROnPlateau", dict(mode_max=1, threshold_abs=1, threshold=0.05, factor=0.1,
                                                  patience=2, cooldown=0, min_lr=0.0),
     [0.1, 0.05], 12, [0.5, 0.6, 0.62, 0.63, 0.64, 0.7, 0.71, 0.72, 0.73, 0.74, 0.9, 0.91]),
]


def make_scheduler(kind, o, opt):
    S = torch.optim.lr_scheduler
    if kind == "StepLR":
        return S.StepLR(opt, step_size=o["step_size"], gamma=o["gamma"])
    if kind == "ExponentialLR":
        return S.ExponentialLR(opt, gamma=o["gamma"])
    if kind == "CosineAnnealingLR":
        return S.CosineAnnealingLR(opt, T_max=o["t_max"], eta_min=o["eta_min"])
    if kind == "ReduceLROnPlateau":
        return S.ReduceLROnPlateau(opt, mode="max" if o.get("mode_max") else "min", factor=o["factor"],
                                   patience=o["patience"], threshold=o["threshold"],
                                   threshold_mode="abs" if o.get("threshold_abs") else "rel",
                                   cooldown=o["cooldown"], min_lr=o["min_lr"])
    assert kind == "LinearWarmup"
    # xgrad's LinearWarmup(inner) is PyTorch's SequentialLR([LinearLR(start, 1, N), inner], milestones=[N]).
    if "inner_cosine_t_max" in o:
        inner = S.CosineAnnealingLR(opt, T_max=o["inner_cosine_t_max"], eta_min=o["inner_cosine_eta_min"])
    elif "inner_step_size" in o:
        inner = S.StepLR(opt, step_size=o["inner_step_size"], gamma=o["inner_gamma"])
    else:
        inner = None
    warmup = S.LinearLR(opt, start_factor=o["start_factor"], end_factor=1.0, total_iters=o["warmup_steps"])
    if inner is None:
        return warmup
    return S.SequentialLR(opt, [warmup, inner], milestones=[o["warmup_steps"]])


def run_scheduler(kind, options, base_lrs, steps, metrics):
    params = [torch.zeros(1, requires_grad=True) for _ in base_lrs]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, base_lrs)], lr=base_lrs[0])
    sched = make_scheduler(kind, options, opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for epoch in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


CLIP_GRADS = [
    [[0.3, -1.5, 0.25], [2.0, -0.75, 1.0]],
    [0.5, -4.0],
]
CLIP_CASES = [  # name, max_norm, norm_type
    ("l2", 1.0, 2.0),
    ("l1", 2.0, 1.0),
    ("l3", 1.5, 3.0),
    ("inf", 0.5, math.inf),
    ("l2_no_clip", 100.0, 2.0),
]


def run_clip(max_norm, norm_type):
    params = [torch.zeros(torch.tensor(g).shape, dtype=torch.float64, requires_grad=True) for g in CLIP_GRADS]
    for p, g in zip(params, CLIP_GRADS):
        p.grad = torch.tensor(g, dtype=torch.float64)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return float(total), [p.grad.flatten().tolist() for p in params]


def flat(values):
    return torch.tensor(values, dtype=torch.float64).flatten().tolist()


def cpp_double(x):
    if math.isinf(x):
        return "std::numeric_limits<double>::infinity()"
    return repr(float(x))


def cpp_list(values):
    return "{" + ", ".join(cpp_double(v) for v in values) + "}"


def cpp_options(options):
    return "{" + ", ".join('{"%s", %s}' % (k, cpp_double(v)) for k, v in sorted(options.items())) + "}"


def main():
    # SequentialLR calls step(0) on the scheduler it hands over to, which warns about the epoch argument.
    warnings.filterwarnings("ignore", message="The epoch parameter")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_path = os.path.join(root, "tests", "optim", "reference_values.hpp")
    lines = [
        "#pragma once",
        "// GENERATED by scripts/gen_optim_reference.py with torch %s -- do not edit." % torch.__version__,
        "// Regenerate: /usr/bin/python3 scripts/gen_optim_reference.py   (Debian's python3-torch)",
        "//",
        "// Optimizer cases: parameters start at kInitialParams (float64); at step k (1-based) the gradient is",
        "// 2 * p + 0.1 * k * cos(p) of the current parameters. trajectory[step][param] holds the flattened",
        "// parameter after that step. options are PyTorch's param_groups[0] entries (betas split into beta1 and",
        "// beta2, booleans as 0/1); second_group_lr puts the second parameter in a group of its own.",
        "// Scheduler cases: lrs[0] is right after construction, lrs[k] after the k-th step(); one entry per group.",
        "#include <limits>",
        "#include <map>",
        "#include <string>",
        "#include <vector>",
        "",
        "namespace optim_reference {",
        "",
        "struct OptimizerCase {",
        "  std::string name;",
        "  std::string optimizer;",
        "  std::map<std::string, double> options;",
        "  std::vector<std::vector<std::vector<double>>> trajectory;",
        "};",
        "",
        "struct SchedulerCase {",
        "  std::string name;",
        "  std::string scheduler;",
        "  std::map<std::string, double> options;",
        "  std::vector<double> base_lrs;",
        "  std::vector<double> metrics;  // ReduceLROnPlateau only",
        "  std::vector<std::vector<double>> lrs;",
        "};",
        "",
        "struct ClipCase {",
        "  std::string name;",
        "  double max_norm;",
        "  double norm_type;",
        "  double total_norm;",
        "  std::vector<std::vector<double>> clipped;",
        "};",
        "",
        "inline constexpr int kSteps = %d;" % STEPS,
        "inline const std::vector<std::vector<double>> kInitialParams = {%s};" % ", ".join(
            cpp_list(flat(v)) for v in INITIAL_PARAMS),
        "inline const std::vector<std::vector<long>> kParamShapes = {%s};" % ", ".join(
            "{" + ", ".join(str(d) for d in torch.tensor(v).shape) + "}" for v in INITIAL_PARAMS),
        "",
        "inline const std::vector<OptimizerCase> kOptimizerCases = {",
    ]
    for name, cls, overrides in OPTIMIZER_CASES:
        options, trajectory = run_optimizer(cls, overrides)
        steps = ",\n      ".join("{" + ", ".join(cpp_list(p) for p in step) + "}" for step in trajectory)
        lines.append('    {"%s", "%s", %s,\n     {%s}},' % (name, cls, cpp_options(options), steps))
    lines += ["};", "", "inline const std::vector<SchedulerCase> kSchedulerCases = {"]
    for name, kind, options, base_lrs, steps, metrics in SCHEDULER_CASES:
        lrs = run_scheduler(kind, options, base_lrs, steps, metrics)
        lines.append('    {"%s", "%s", %s, %s, %s,\n     {%s}},' % (
            name, kind, cpp_options(options), cpp_list(base_lrs), cpp_list(metrics or []),
            ", ".join(cpp_list(step) for step in lrs)))
    lines += ["};", "",
              "inline const std::vector<std::vector<double>> kClipGrads = {%s};" % ", ".join(
                  cpp_list(flat(g)) for g in CLIP_GRADS),
              "inline const std::vector<ClipCase> kClipCases = {"]
    for name, max_norm, norm_type in CLIP_CASES:
        total, clipped = run_clip(max_norm, norm_type)
        lines.append('    {"%s", %s, %s, %s, {%s}},' % (name, cpp_double(max_norm), cpp_double(norm_type),
                                                       cpp_double(total), ", ".join(cpp_list(g) for g in clipped)))
    lines += ["};", "", "}  // namespace optim_reference", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))
    print("wrote " + os.path.relpath(out_path, root), file=sys.stderr)


if __name__ == "__main__":
    main()
