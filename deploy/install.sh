#!/usr/bin/env bash
# Installs (or upgrades) 隐患排查 yinhuan-server as a systemd service on a Debian/Ubuntu/
# openEuler/Kylin machine. Idempotent: run it again after building a new version to upgrade
# (stop, replace binary and dist, start: the database migrates itself on start).
#
#   sudo deploy/install.sh [--binary PATH] [--dist DIR] [--host IP或主机名]... [--no-start]
#                          [--root DIR]
#
#   --binary  the built server (default: target/release/yinhuan-server, or under
#             $CARGO_TARGET_DIR/release)
#   --dist    the built PWA (default: dist/ of this repository; scripts/build-pwa makes it)
#   --host    the LAN address(es) phones will use; on the first install this runs
#             `yinhuan-server tls init` for them (skipped when a certificate already exists)
#   --no-start  install and enable, but do not (re)start the service
#   --root    install into DIR instead of / (for trying the script; no user, no systemctl)
#
# What it does: user and group `yinhuan` (system account, no login), /opt/yinhuan (binary,
# dist, docs), /var/lib/yinhuan (data, mode 0750), /var/backups/yinhuan (daily backups),
# /etc/yinhuan/yinhuan.env (site settings, kept on upgrade), the unit
# /etc/systemd/system/yinhuan-server.service, /usr/local/bin/yinhuan-admin; then enables and
# (re)starts the service.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BINARY=""
DIST=""
HOSTS=()
START=1
ROOT=""

say() { printf '%s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --binary) BINARY="${2:?--binary 需要一个文件路径}"; shift 2 ;;
        --dist) DIST="${2:?--dist 需要一个目录}"; shift 2 ;;
        --host) HOSTS+=("${2:?--host 需要 IP 或主机名}"); shift 2 ;;
        --no-start) START=0; shift ;;
        --root) ROOT="${2:?--root 需要一个目录}"; shift 2 ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) die "未知的选项 $1。用法见 $0 --help" ;;
    esac
done

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    die "需要管理员权限：请用 sudo $0 $*"
fi
if [ -n "$ROOT" ]; then
    mkdir -p "$ROOT"
    ROOT="$(cd "$ROOT" && pwd)"
fi

if [ -z "$BINARY" ]; then
    for candidate in "${CARGO_TARGET_DIR:-$REPO/target}/release/yinhuan-server" \
                     "$REPO/target/release/yinhuan-server"; do
        if [ -x "$candidate" ]; then BINARY="$candidate"; break; fi
    done
fi
{ [ -n "$BINARY" ] && [ -x "$BINARY" ]; } || die "找不到已构建的服务器程序。请先运行 cargo build --release -p yinhuan-server（或 scripts/run），或用 --binary 指定。"
DIST="${DIST:-$REPO/dist}"
[ -f "$DIST/index.html" ] || die "找不到已构建的前端 $DIST/index.html。请先运行 scripts/build-pwa（或 scripts/run），或用 --dist 指定。"

PREFIX="$ROOT/opt/yinhuan"
DATA="$ROOT/var/lib/yinhuan"
BACKUPS="$ROOT/var/backups/yinhuan"
ETC="$ROOT/etc/yinhuan"
UNIT_DIR="$ROOT/etc/systemd/system"
SYSTEMD=0
if [ -z "$ROOT" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    SYSTEMD=1
fi

# 1. The service account.
if [ -z "$ROOT" ]; then
    if ! getent group yinhuan >/dev/null; then
        groupadd --system yinhuan
        say "已创建用户组 yinhuan"
    fi
    if ! id -u yinhuan >/dev/null 2>&1; then
        nologin="$(command -v nologin || echo /usr/sbin/nologin)"
        useradd --system --gid yinhuan --home-dir /var/lib/yinhuan --no-create-home \
            --shell "$nologin" --comment "隐患排查服务" yinhuan
        say "已创建系统账号 yinhuan（不能登录）"
    fi
    OWNER=(-o yinhuan -g yinhuan)
    ETC_OWNER=(-o root -g yinhuan)
else
    OWNER=()
    ETC_OWNER=()
fi

# 2. Directories. Data and backups only for the service account.
install -d -m 0755 "$PREFIX" "$UNIT_DIR"
install -d -m 0750 "${OWNER[@]}" "$DATA" "$BACKUPS"
install -d -m 0750 "${ETC_OWNER[@]}" "$ETC"

# 3. Stop a running service before replacing its files (an upgrade).
was_active=0
if [ "$SYSTEMD" -eq 1 ] && systemctl is-active --quiet yinhuan-server; then
    was_active=1
    say "正在停止 yinhuan-server 以升级……"
    systemctl stop yinhuan-server
fi

# 4. Binary and dist: copied beside, then renamed into place.
install -m 0755 "$BINARY" "$PREFIX/yinhuan-server.new"
mv -f "$PREFIX/yinhuan-server.new" "$PREFIX/yinhuan-server"
rm -rf "$PREFIX/dist.new" "$PREFIX/dist.old"
cp -R "$DIST" "$PREFIX/dist.new"
chmod -R u=rwX,go=rX "$PREFIX/dist.new"
if [ -d "$PREFIX/dist" ]; then mv "$PREFIX/dist" "$PREFIX/dist.old"; fi
mv "$PREFIX/dist.new" "$PREFIX/dist"
rm -rf "$PREFIX/dist.old"
install -d -m 0755 "$PREFIX/docs"
for doc in deploy.md sync.md check.md; do
    if [ -f "$REPO/docs/$doc" ]; then install -m 0644 "$REPO/docs/$doc" "$PREFIX/docs/$doc"; fi
done
say "已安装 $PREFIX/yinhuan-server（$("$PREFIX/yinhuan-server" help >/dev/null 2>&1 && echo 可运行 || echo 无法运行，请检查)）与前端 $PREFIX/dist"

# 5. Site settings: written once, never overwritten.
if [ ! -f "$ETC/yinhuan.env" ]; then
    cat >"$ETC/yinhuan.env" <<'ENV'
# 隐患排查服务的本单位设置（升级时保留）。改完运行：systemctl restart yinhuan-server
# 每行 名称=值；行首 # 表示不启用。说明见 /opt/yinhuan/docs/deploy.md。

# 单位已有证书（不用 tls init 生成的证书时）：证书链与私钥，PEM 格式，yinhuan 账号须可读
#TLS_CERT=/etc/yinhuan/server.pem
#TLS_KEY=/etc/yinhuan/server.key

# 由 nginx/Caddy 终止 HTTPS（反向代理）时：代理的 IP，本服务只在本机提供 http
#BEHIND_PROXY=127.0.0.1
#LISTEN=127.0.0.1:8080
#HTTP_REDIRECT=off

# 端口（默认 HTTPS 8443，http 跳转与手机安装页 8080）
#LISTEN=0.0.0.0:8443
#HTTP_REDIRECT=0.0.0.0:8080

# 使用 PostgreSQL 而不是 SQLite（定时备份此时只备份照片，记录用 pg_dump 备份）
#DATABASE_URL=postgres://yinhuan@127.0.0.1:5432/yinhuan

# 定时备份：目录（换到第二块硬盘时，还要在 yinhuan-server.service 的 ReadWritePaths 中加入它）、
# 保留份数、每天的时间（北京时间）
#BACKUP_DIR=/var/backups/yinhuan
#BACKUP_KEEP=14
#BACKUP_AT=02:30
ENV
    chmod 0640 "$ETC/yinhuan.env"
    if [ -z "$ROOT" ]; then chown root:yinhuan "$ETC/yinhuan.env"; fi
    say "已写入本单位设置模板 $ETC/yinhuan.env"
else
    say "保留已有的本单位设置 $ETC/yinhuan.env"
fi

# 6. The unit, and the admin wrapper (runs yinhuan-server as `yinhuan` with the settings).
install -m 0644 "$REPO/deploy/yinhuan-server.service" "$UNIT_DIR/yinhuan-server.service"
install -d -m 0755 "$ROOT/usr/local/bin"
install -m 0755 "$REPO/deploy/yinhuan-admin" "$ROOT/usr/local/bin/yinhuan-admin"

# 7. A certificate for the LAN, on the first install only.
if [ ${#HOSTS[@]} -gt 0 ]; then
    if [ -f "$DATA/tls/server.pem" ]; then
        say "已有证书 $DATA/tls/server.pem，未重新生成（加地址用：sudo yinhuan-admin tls renew --host 新地址）"
    else
        args=()
        for h in "${HOSTS[@]}"; do args+=(--host "$h"); done
        if [ -z "$ROOT" ]; then
            runuser -u yinhuan -- "$PREFIX/yinhuan-server" tls init --data "$DATA" "${args[@]}"
        else
            "$PREFIX/yinhuan-server" tls init --data "$DATA" "${args[@]}"
        fi
    fi
fi

# 8. Enable and (re)start.
if [ "$SYSTEMD" -eq 1 ]; then
    systemctl daemon-reload
    systemctl enable --quiet yinhuan-server
    if [ "$START" -eq 1 ]; then
        systemctl restart yinhuan-server
        sleep 2
        if systemctl is-active --quiet yinhuan-server; then
            say "yinhuan-server 已$([ "$was_active" -eq 1 ] && echo 升级并重新)启动。手机访问地址与根证书指纹："
            journalctl -u yinhuan-server -n 40 --no-pager -o cat | sed -n '/隐患排查服务已启动/,$p' || true
        else
            journalctl -u yinhuan-server -n 30 --no-pager -o cat >&2 || true
            die "yinhuan-server 未能启动，原因见上面的日志（journalctl -u yinhuan-server）。"
        fi
    fi
else
    say "未检测到正在运行的 systemd：单元文件已放到 $UNIT_DIR/yinhuan-server.service，未启用、未启动。"
fi

cat <<NEXT

下一步：
  1. 若还没有证书：sudo yinhuan-admin tls init --host <本机局域网IP>
     然后 sudo systemctl restart yinhuan-server
  2. 创建第一个账号（密码从标准输入读取）：
     sudo yinhuan-admin user add admin --role city --name 管理员
  3. 每部手机打开 http://<本机局域网IP>:8080/onboarding 安装根证书，再打开 https://<本机局域网IP>:8443/
  日志：journalctl -u yinhuan-server -f      备份：/var/backups/yinhuan（每天 02:30）
  说明：/opt/yinhuan/docs/deploy.md
NEXT
