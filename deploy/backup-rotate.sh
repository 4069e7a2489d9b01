#!/bin/sh
# 创城测评：夜间备份。由 deploy/chuangcheng-backup.service 以 chuangcheng 用户身份调用，也可以手工运行。
#
# 1. 用应用自带的命令（npm run cli -- backup）把数据库和照片备份到 $BACKUP_ROOT/年-月-日_时分秒/；
#    先写到 .partial 目录，成功后才改成正式名字，所以正式名字的目录都是完整的备份。
# 2. 照片文件按内容命名、写入后不再改变：与上一份备份中同名的文件换成硬链接，
#    每份备份在磁盘上只多占当天新增的照片。
# 3. 只保留最新的 $KEEP 份，更早的删除。
#
# 环境变量：DATA_DIR、UPLOAD_DIR（与服务相同）、BACKUP_ROOT（默认 /var/backups/chuangcheng）、
#           KEEP（默认 14）、APP_DIR（默认 /opt/chuangcheng）、NODE（默认 /usr/bin/node）。
set -eu

root=${BACKUP_ROOT:-/var/backups/chuangcheng}
keep=${KEEP:-14}
app=${APP_DIR:-/opt/chuangcheng}
node=${NODE:-/usr/bin/node}

case $keep in
  '' | *[!0-9]*) echo "KEEP=$keep 必须是正整数" >&2; exit 2 ;;
esac
[ "$keep" -ge 1 ] || { echo "KEEP 至少为 1" >&2; exit 2; }

mkdir -p "$root"
# 上次中断留下的半成品
rm -rf "$root"/*.partial

# 上一份完整备份（按名字排序的最后一个）
previous=
for dir in "$root"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]; do
  [ -f "$dir/manifest.json" ] && previous=$dir
done

stamp=$(date +%Y-%m-%d_%H%M%S)
target="$root/$stamp"
cd "$app"
if ! "$node" --import tsx src/cli.ts backup "$target.partial"; then
  rm -rf "$target.partial"
  exit 1
fi

if [ -n "$previous" ] && [ -d "$previous/uploads" ]; then
  linked=0
  # 文件名只含十六进制、连字符和 .jpg，不会有空格或换行
  for f in $(cd "$target.partial/uploads" && find . -type f); do
    if [ -f "$previous/uploads/$f" ]; then
      ln -f "$previous/uploads/$f" "$target.partial/uploads/$f"
      linked=$((linked + 1))
    fi
  done
  echo "与上一份备份 $(basename "$previous") 共用 $linked 个照片文件（硬链接）"
fi

mv "$target.partial" "$target"
echo "备份完成：$target"

# 只保留最新的 $keep 份
set -- "$root"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]
excess=$(($# - keep))
for old in "$@"; do
  [ "$excess" -gt 0 ] || break
  rm -rf -- "$old"
  echo "已删除旧备份：$old"
  excess=$((excess - 1))
done
