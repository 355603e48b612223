#!/usr/bin/env bash
# Speech-to-text memory against audio length (issue 6): peak RSS of `chorus transcribe` on one minute
# and on sixty minutes of audio. Each minute is a librivox recording (~7 s of speech) and silence, so
# the hour is recognised in a few minutes; memory, not accuracy, is what this measures.
#   bench/stt.sh <build-dir> <work-dir>
set -euo pipefail
build=$1
work=$2
src=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0920.wav

echo
echo "== speech-to-text: peak RSS against audio length (chorus transcribe, FLAC input)"
ffmpeg -nostdin -loglevel error -y -i "$src" -af apad=whole_dur=60 "$work/minute.wav"
ffmpeg -nostdin -loglevel error -y -i "$work/minute.wav" "$work/minute.flac"
ffmpeg -nostdin -loglevel error -y -stream_loop 59 -i "$work/minute.wav" "$work/hour.flac"

peak() {  # prints "peak-KB seconds"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$build/chorus" transcribe "$1" --format txt >"$work/out.txt"
  end=$(date +%s.%N)
  echo "$(cat "$work/rss") $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
}
read -r minute_kb minute_s < <(peak "$work/minute.flac")
read -r hour_kb hour_s < <(peak "$work/hour.flac")
words=$(wc -w <"$work/out.txt")
awk -v m="$minute_kb" -v ms="$minute_s" -v h="$hour_kb" -v hs="$hour_s" -v w="$words" 'BEGIN {
  printf "1 minute:   peak RSS %6.1f MB  (%.1f s)\n", m / 1024, ms
  printf "60 minutes: peak RSS %6.1f MB  (%.1f s, %d words)\n", h / 1024, hs, w
  printf "ratio 60 min / 1 min: %.2f (target <= 1.2)\n", h / m
}'
