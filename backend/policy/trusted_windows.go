//go:build windows

package policy

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// systemAdminPath is under ProgramData, found through the known-folder API
// rather than %ProgramData%, which a user can set.
func systemAdminPath() (string, error) {
	dir, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil {
		return "", fmt.Errorf("find the ProgramData folder for the administrator's policy: %v", err)
	}
	return filepath.Join(dir, "Bulkhead", "policy.yaml"), nil
}

// Access that lets its holder change a file, or replace what a directory
// holds; creating new names in a directory (as Users may in ProgramData)
// changes nothing already there.
const (
	fileDeleteChild = 0x40
	changesDir      = windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_ALL | fileDeleteChild
	changesFile     = changesDir | windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.GENERIC_WRITE
)

// trustedInstaller is the SID of the service that owns system folders.
const trustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

// trustedEntry refuses a file or directory owned by anyone but SYSTEM,
// Administrators or TrustedInstaller (or, with userMayOwn, the user
// running Bulkhead), or whose access list lets anyone else change it.
func trustedEntry(path string, fi fs.FileInfo, userMayOwn bool) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("%s: read who may change it: %v", path, err)
	}
	var user *windows.SID
	if userMayOwn {
		if tu, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
			user = tu.User.Sid
		}
	}
	trusted := func(sid *windows.SID) bool {
		return sid.IsWellKnown(windows.WinLocalSystemSid) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid) ||
			sid.String() == trustedInstaller || user != nil && windows.EqualSid(sid, user)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("%s: read its owner: %v", path, err)
	}
	if !trusted(owner) {
		return fmt.Errorf("%s is owned by %s, not an administrator: have an administrator take ownership of it", path, owner)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return fmt.Errorf("%s has no access list, so anyone can change it: have an administrator set one", path)
	}
	changes := windows.ACCESS_MASK(changesFile)
	if fi.IsDir() {
		changes = changesDir
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Errorf("%s: read its access list: %v", path, err)
		}
		if ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue // applies to what is created inside, not to this
		}
		switch ace.Header.AceType {
		case windows.ACCESS_ALLOWED_ACE_TYPE:
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			if ace.Mask&changes != 0 && !trusted(sid) {
				return fmt.Errorf("%s can be changed by %s, not only by administrators: remove that permission", path, sid)
			}
		case 4, 5, 9, 11: // compound, object and callback grants: refused rather than misread
			return fmt.Errorf("%s has an access list entry of type %d that Bulkhead cannot check: use plain permissions", path, ace.Header.AceType)
		}
	}
	return nil
}
