# The golden regression suite, sourced by scripts/update_golden.sh and scripts/check_golden.sh:
# every preset x dataflow x workload below, one report each in
# results/golden/<preset>/<dataflow>/<workload>.json. Keep it small: regenerating and comparing
# the whole suite should take well under 20 s.
GOLDEN_PRESETS="tpu_v1 scalesim_32x32 gemmini_like_16x16"
GOLDEN_DATAFLOWS="os ws is"
GOLDEN_WORKLOADS="resnet50 mobilenet_v2 bert_base_layer gemm_suite"

# golden_run TPUSIM ROOT PRESET DATAFLOW WORKLOAD OUTDIR: one run of the suite into OUTDIR/report.json.
golden_run() {
  "$1" run -q --arch "$2/configs/$3.json" --workload "$2/workloads/$5.json" \
    --set "/array/dataflow=$4" --out "$6"
}
