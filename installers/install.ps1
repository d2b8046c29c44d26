# baitwatch installer for Windows. Needs no administrator rights.
#
#   powershell -ExecutionPolicy Bypass -File installers\install.ps1              install, or upgrade in place
#   powershell -ExecutionPolicy Bypass -File installers\install.ps1 -Uninstall   remove it, keeping your data
#   powershell -ExecutionPolicy Bypass -File installers\install.ps1 -Uninstall -Purge   ... and your data too
param(
    [switch]$Uninstall,
    [switch]$Purge
)
$ErrorActionPreference = "Stop"

if ($Purge -and -not $Uninstall) { throw "-Purge goes with -Uninstall" }

$Repo = Split-Path -Parent $PSScriptRoot
# The same folders platformdirs gives the daemon (appauthor=False).
$Data = if ($env:BAITWATCH_DATA_DIR) { $env:BAITWATCH_DATA_DIR } else { Join-Path $env:LOCALAPPDATA "baitwatch" }
$Config = if ($env:BAITWATCH_CONFIG_DIR) { $env:BAITWATCH_CONFIG_DIR } else { Join-Path $env:LOCALAPPDATA "baitwatch" }
$Venv = Join-Path $Data "venv"
$Python = Join-Path $Venv "Scripts\python.exe"
$Baitwatch = Join-Path $Venv "Scripts\baitwatch.exe"
$PidFile = Join-Path $Data "daemon.pid"
# The command on PATH, as command-line tools install themselves: a folder of our own on the user's PATH.
$BinDir = Join-Path $env:LOCALAPPDATA "baitwatch\bin"
$Shim = Join-Path $BinDir "baitwatch.cmd"

function Add-Command {
    New-Item -ItemType Directory -Force -Path $BinDir | Out-Null
    Set-Content -Path $Shim -Value "@`"$Baitwatch`" %*" -Encoding ASCII
    $userPath = [Environment]::GetEnvironmentVariable("Path", "User")
    if (-not (($userPath -split ";") -contains $BinDir)) {
        [Environment]::SetEnvironmentVariable("Path", (@($userPath, $BinDir) | Where-Object { $_ }) -join ";", "User")
        Write-Host "baitwatch: added $BinDir to your PATH; open a new terminal to use the baitwatch command"
    }
    Write-Host "baitwatch: the baitwatch command: $Shim"
}

function Remove-Command {
    Remove-Item -Force -ErrorAction SilentlyContinue $Shim
    $userPath = [Environment]::GetEnvironmentVariable("Path", "User")
    if ($userPath) {
        [Environment]::SetEnvironmentVariable("Path", (($userPath -split ";") | Where-Object { $_ -and $_ -ne $BinDir }) -join ";", "User")
    }
}

function Stop-Daemon {
    if (Test-Path $PidFile) {
        Stop-Process -Id (Get-Content $PidFile) -ErrorAction SilentlyContinue
        Remove-Item $PidFile -Force
    }
}

function Start-Daemon {
    $pythonw = Join-Path $Venv "Scripts\pythonw.exe"
    $process = Start-Process -FilePath $pythonw -ArgumentList "-m", "baitwatch", "serve" -WindowStyle Hidden -PassThru
    Set-Content -Path $PidFile -Value $process.Id
}

if ($Uninstall) {
    Stop-Daemon
    if (Test-Path $Baitwatch) { & $Baitwatch autostart remove --kind windows }
    Remove-Command
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Venv, (Join-Path $Data "extension")
    if ($Purge) {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Data, $Config
        Write-Host "baitwatch: removed baitwatch and all its data"
    } else {
        Write-Host "baitwatch: removed baitwatch; your settings, allowlist and feedback are still in $Data"
    }
    exit 0
}

$SystemPython = (Get-Command py -ErrorAction SilentlyContinue)
New-Item -ItemType Directory -Force -Path $Data | Out-Null
if (Test-Path $Baitwatch) {
    Write-Host "baitwatch: upgrading the installation in $Venv"
    Stop-Daemon
} else {
    Write-Host "baitwatch: installing into $Venv"
    if ($SystemPython) { & py -3 -m venv $Venv } else { & python -m venv $Venv }
}
& $Python -c "import sys; sys.exit(sys.version_info < (3, 10))"
if ($LASTEXITCODE -ne 0) { throw "baitwatch needs Python 3.10 or newer" }
# -qq: pip's errors still show; its notes about this machine's package indexes do not.
& $Python -m pip install -qq --upgrade pip
& $Python -m pip install -qq --upgrade "$Repo[tray]"
$Entry = & $Baitwatch autostart install --kind windows
Add-Command
Start-Daemon

$tries = 0
while ($true) {
    & $Baitwatch status *> $null
    if ($LASTEXITCODE -eq 0) { break }
    $tries += 1
    if ($tries -ge 60) { throw "the daemon did not answer; run '$Baitwatch serve' to see why" }
    Start-Sleep -Milliseconds 500
}
& $Baitwatch status
Write-Host "baitwatch: it starts at every login ($Entry)"

# The browser extension, ready to load, in the data folder: its build needs Node.js 20+ and no npm package.
$Node = Get-Command node -ErrorAction SilentlyContinue
$NodeMajor = if ($Node) { [int](& node -p "process.versions.node.split('.')[0]") } else { 0 }
if ($NodeMajor -ge 20) {
    & node (Join-Path $Repo "extension\build.mjs") --out (Join-Path $Data "extension") | Out-Null
    $LoadStep = (& $Baitwatch extension) -join "`n"
} else {
    $LoadStep = "Node.js 20 or newer is needed to build it (https://nodejs.org/): install it and run this installer again;`nthen  baitwatch extension  says where the extension is."
}

Write-Host @"

baitwatch is running and protects this computer once the browser extension is loaded:
$LoadStep
Then pair it: run  baitwatch pair  (or use the tray icon) and type the code into the extension's popup.
"@
