# Windows single-app mode for a register: Shell Launcher v2 replaces explorer.exe with the
# Tillstream register for the local user "till" (Windows 10/11 Enterprise or Education, IoT
# Enterprise). Run as Administrator after installing the register with its NSIS installer.
# See docs/install.md ("Kiosk"). Store IT signs in as another user to get a desktop.
param(
  [string]$User = "till",
  [string]$Exe = "$env:LOCALAPPDATA\Programs\tillstream\Tillstream.exe"
)
$ErrorActionPreference = "Stop"
Enable-WindowsOptionalFeature -Online -FeatureName Client-EmbeddedShellLauncher -All -NoRestart | Out-Null
$ns = "root\standardcimv2\embedded"
$sid = (New-Object System.Security.Principal.NTAccount($User)).Translate([System.Security.Principal.SecurityIdentifier]).Value
$launcher = [wmiclass]"\\localhost\$($ns):WESL_UserSetting"
# Default action 0 = restart the shell: if the register crashes it is started again. A
# manager-PIN exit quits with code 0, mapped to action 3 (log off) so store IT can sign in.
$launcher.SetCustomShell($sid, "`"$Exe`"", @(0), @(3), 0) | Out-Null
$launcher.SetEnabled($true) | Out-Null
# Block the keys that leave a kiosk (Keyboard Filter feature).
Enable-WindowsOptionalFeature -Online -FeatureName Client-KeyboardFilter -All -NoRestart | Out-Null
foreach ($k in @("Ctrl+Alt+Del", "Win+L", "Alt+Tab", "Ctrl+Esc", "Win", "Alt+F4", "Ctrl+Shift+Esc")) {
  $p = Get-CimInstance -Namespace $ns -ClassName WEKF_PredefinedKey -Filter "Id='$k'" -ErrorAction SilentlyContinue
  if ($p) { $p.Enabled = $true; Set-CimInstance -InputObject $p | Out-Null }
}
Write-Host "Shell Launcher set for $User ($sid): $Exe. Restart the terminal."
