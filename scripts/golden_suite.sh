# The golden regression suite, sourced by scripts/update_golden.sh and scripts/check_golden.sh.
# Native timing: every preset x dataflow x workload below. SCALE-Sim mode: its own scale.cfg and
# ResNet-50 topology under each dataflow. One report each, in results/golden/<id>.json with
# <id> = <preset>/<dataflow>/<workload> (scalesim_cfg/<dataflow>/resnet50 for SCALE-Sim mode).
# Keep it small: regenerating and comparing the whole suite should take well under 20 s.
GOLDEN_PRESETS="tpu_v1 scalesim_32x32 gemmini_like_16x16"
GOLDEN_DATAFLOWS="os ws is"
GOLDEN_WORKLOADS="resnet50 mobilenet_v2 bert_base_layer gemm_suite"

# golden_cases: one line per case, "id arch workload dataflow" (paths relative to the root).
golden_cases() {
  for preset in $GOLDEN_PRESETS; do
    for dataflow in $GOLDEN_DATAFLOWS; do
      for workload in $GOLDEN_WORKLOADS; do
        echo "$preset/$dataflow/$workload configs/$preset.json workloads/$workload.json $dataflow"
      done
    done
  done
  for dataflow in $GOLDEN_DATAFLOWS; do
    echo "scalesim_cfg/$dataflow/resnet50 configs/scalesim/scale.cfg tests/data/scalesim/resnet50.csv $dataflow"
  done
  # The same native cases with the layer barrier (/core/layer_barrier): layers one after another,
  # as before graph execution; their cycles, bytes and energies are those of that version.
  for preset in $GOLDEN_PRESETS; do
    for dataflow in $GOLDEN_DATAFLOWS; do
      for workload in $GOLDEN_WORKLOADS; do
        echo "barrier/$preset/$dataflow/$workload configs/$preset.json workloads/$workload.json $dataflow+barrier"
      done
    done
  done
}

# golden_run TPUSIM ARCH WORKLOAD DATAFLOW[+barrier] OUTDIR: one case, into OUTDIR/report.json.
golden_run() {
  case $4 in
    *+barrier) "$1" run -q --arch "$2" --workload "$3" --set "/array/dataflow=${4%+barrier}" \
                 --set /core/layer_barrier=true --out "$5" ;;
    *) "$1" run -q --arch "$2" --workload "$3" --set "/array/dataflow=$4" --out "$5" ;;
  esac
}
