// MelGenre build support: marks one symbol-version requirement of an ELF shared library as weak.
//
// Why: libLibTorchSharp.so of TorchSharp 0.107.0 requires GLIBCXX_3.4.32 (GCC 13's libstdc++), which
// Debian 12 (libstdc++ up to GLIBCXX_3.4.30) does not define, so dlopen fails. The only symbol bound to
// that version is std::ios_base_library_init, and nothing relocates against it. Setting VER_FLG_WEAK on
// that one Vernaux entry turns the loader's fatal "version not found" into a tolerated miss. See
// docs/torchsharp-on-debian12.md.
//
// This one file is used twice:
//   * build/MelGenre.targets (and buildTransitive/MelGenre.targets in the package) compiles it as an MSBuild
//     inline task with RoslynCodeTaskFactory (compiled against netstandard 2.0 references, so only
//     netstandard 2.0 APIs and no nullable annotations that need newer references);
//   * tests/MelGenre.Tests compiles it with MELGENRE_ELF_PATCHER_LOGIC_ONLY defined (no MSBuild references)
//     to unit-test the ELF logic.
#nullable disable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace MelGenre.Build
{
    /// <summary>The ELF file does not have the layout the patcher expects; the file was not changed.</summary>
    public sealed class ElfLayoutException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ElfLayoutException(string message) : base(message) { }
    }

    /// <summary>What <see cref="ElfVersionPatcher.MarkVersionNeedWeak"/> did.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The file requires no such version: nothing to do.</summary>
        VersionNotRequired,
        /// <summary>The requirement was already weak: nothing to do (second run).</summary>
        AlreadyWeak,
        /// <summary>The VER_FLG_WEAK flag was set.</summary>
        Patched,
    }

    /// <summary>One Vernaux entry of an ELF file's .gnu.version_r section.</summary>
    public sealed class ElfVersionNeed
    {
        /// <summary>The library the version is needed from (vn_file), e.g. libstdc++.so.6.</summary>
        public string Library { get; internal set; }
        /// <summary>The version name (vna_name), e.g. GLIBCXX_3.4.32.</summary>
        public string Version { get; internal set; }
        /// <summary>vna_flags.</summary>
        public ushort Flags { get; internal set; }
        /// <summary>vna_other: the version index the .gnu.version entries refer to.</summary>
        public ushort Index { get; internal set; }
        /// <summary>File offset of the vna_flags field.</summary>
        public long FlagsOffset { get; internal set; }
        /// <summary>True when VER_FLG_WEAK is set.</summary>
        public bool IsWeak { get { return (Flags & ElfVersionPatcher.VerFlagWeak) != 0; } }
    }

    /// <summary>The result of one patch attempt.</summary>
    public sealed class ElfPatchResult
    {
        /// <summary>What happened.</summary>
        public ElfPatchOutcome Outcome { get; internal set; }
        /// <summary>The library the version is needed from, when the version is required.</summary>
        public string Library { get; internal set; }
        /// <summary>Dynamic symbols bound to the version (for the log), when the version is required.</summary>
        public IList<string> Symbols { get; internal set; }
    }

    /// <summary>Reads ELF64 little-endian symbol-version tables and marks a version requirement weak.</summary>
    public static class ElfVersionPatcher
    {
        /// <summary>VER_FLG_WEAK: a missing version is not fatal to the dynamic loader.</summary>
        public const ushort VerFlagWeak = 0x2;

        const uint ShtRela = 4, ShtDynamic = 6, ShtRel = 9, ShtDynsym = 11, ShtNobits = 8;
        const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
        const long DtNull = 0, DtVerneed = 0x6ffffffe, DtVerneedNum = 0x6fffffff;

        /// <summary>Lists the Vernaux entries (version requirements) of an ELF file.</summary>
        public static IList<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            var file = new ElfFile(elf);
            return file.ReadVersionNeeds();
        }

        /// <summary>Lists the version names an ELF file defines (.gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
        public static ISet<string> ReadVersionDefinitions(byte[] elf)
        {
            var file = new ElfFile(elf);
            return file.ReadVersionDefinitions();
        }

        /// <summary>Returns e_machine of an ELF64 little-endian file, or -1 when it is not one.</summary>
        public static int ReadMachine(string path)
        {
            try
            {
                using (var s = File.OpenRead(path))
                {
                    var h = new byte[20];
                    if (s.Read(h, 0, h.Length) != h.Length) return -1;
                    if (h[0] != 0x7f || h[1] != (byte)'E' || h[2] != (byte)'L' || h[3] != (byte)'F' || h[4] != 2 || h[5] != 1) return -1;
                    return h[18] | (h[19] << 8);
                }
            }
            catch (IOException) { return -1; }
            catch (UnauthorizedAccessException) { return -1; }
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement <paramref name="version"/> in the ELF file at
        /// <paramref name="path"/>. The change is written to a temporary file in the same folder which then
        /// replaces the original (a symbolic or hard link at <paramref name="path"/> is replaced, its target is
        /// never written). The last-write time is kept so that MSBuild's incremental copy does not overwrite the
        /// patched copy on the next build. Throws <see cref="ElfLayoutException"/> without touching the file when
        /// the layout is not understood, or when a relocation refers to a symbol bound to that version (then a
        /// weak requirement would not be safe).
        /// </summary>
        public static ElfPatchResult MarkVersionNeedWeak(string path, string version)
        {
            byte[] data = File.ReadAllBytes(path);
            var file = new ElfFile(data);
            ElfVersionNeed need = null;
            foreach (var n in file.ReadVersionNeeds())
            {
                if (n.Version == version)
                {
                    if (need != null) throw new ElfLayoutException("'" + path + "' requires version " + version + " more than once; refusing to patch.");
                    need = n;
                }
            }
            if (need == null) return new ElfPatchResult { Outcome = ElfPatchOutcome.VersionNotRequired };
            IList<string> symbols = file.CheckVersionIndexUnrelocated(need.Index, version);
            var result = new ElfPatchResult { Library = need.Library, Symbols = symbols };
            if (need.IsWeak) { result.Outcome = ElfPatchOutcome.AlreadyWeak; return result; }

            ushort flags = (ushort)(need.Flags | VerFlagWeak);
            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            string dir = Path.GetDirectoryName(Path.GetFullPath(path));
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                // File.Copy keeps the Unix permission bits (the library must stay readable/executable).
                File.Copy(path, temp, false);
                using (var s = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    if (s.Length != data.Length) throw new IOException("'" + path + "' changed while it was being patched.");
                    s.Position = need.FlagsOffset;
                    s.WriteByte((byte)flags);
                    s.WriteByte((byte)(flags >> 8));
                    s.Flush(true);
                }
                // Verify the temporary file before it replaces the original.
                var check = new ElfFile(File.ReadAllBytes(temp));
                bool ok = false;
                foreach (var n in check.ReadVersionNeeds()) if (n.Version == version && n.IsWeak && n.FlagsOffset == need.FlagsOffset) ok = true;
                if (!ok) throw new ElfLayoutException("Verification of the patched copy of '" + path + "' failed; the original was left unchanged.");
                File.SetLastWriteTimeUtc(temp, lastWrite);
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            result.Outcome = ElfPatchOutcome.Patched;
            return result;
        }

        /// <summary>
        /// Finds the copy of <paramref name="soname"/> (e.g. libstdc++.so.6) the dynamic loader would use for an
        /// ELF file of machine <paramref name="machine"/>: first from the loader cache (<c>ldconfig -p</c>), then
        /// from the usual library folders. Returns null when none is found.
        /// </summary>
        public static string FindSystemLibrary(string soname, int machine)
        {
            foreach (string candidate in LoaderCacheEntries(soname))
                if (File.Exists(candidate) && ReadMachine(candidate) == machine) return candidate;
            string[] folders = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib" };
            foreach (string folder in folders)
            {
                string candidate = Path.Combine(folder, soname);
                if (File.Exists(candidate) && ReadMachine(candidate) == machine) return candidate;
            }
            return null;
        }

        static IEnumerable<string> LoaderCacheEntries(string soname)
        {
            string output = null;
            foreach (string ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
            {
                if (ldconfig.StartsWith("/", StringComparison.Ordinal) && !File.Exists(ldconfig)) continue;
                try
                {
                    var psi = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                    using (var p = Process.Start(psi))
                    {
                        p.ErrorDataReceived += (sender, e) => { };
                        p.BeginErrorReadLine();
                        output = p.StandardOutput.ReadToEnd();
                        p.WaitForExit();
                        if (p.ExitCode == 0) break;
                        output = null;
                    }
                }
                catch (System.ComponentModel.Win32Exception) { output = null; }
            }
            var paths = new List<string>();
            if (output == null) return paths;
            // Lines look like: "\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6".
            foreach (string raw in output.Split('\n'))
            {
                string line = raw.Trim();
                int arrow = line.IndexOf(" => ", StringComparison.Ordinal);
                if (arrow < 0) continue;
                int space = line.IndexOf(' ');
                if (space <= 0 || line.Substring(0, space) != soname) continue;
                paths.Add(line.Substring(arrow + 4).Trim());
            }
            return paths;
        }

        /// <summary>A bounds-checked view of an ELF64 little-endian file.</summary>
        sealed class ElfFile
        {
            readonly byte[] _d;
            readonly Section[] _sections;

            internal sealed class Section
            {
                public int Index; public uint Type; public ulong Addr; public long Offset; public long Size; public uint Link; public uint Info; public long EntSize;
            }

            public ElfFile(byte[] data)
            {
                _d = data;
                if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
                    throw new ElfLayoutException("Not an ELF file (bad magic number).");
                if (data[4] != 2) throw new ElfLayoutException("Not a 64-bit ELF file (EI_CLASS " + data[4] + ", expected 2).");
                if (data[5] != 1) throw new ElfLayoutException("Not a little-endian ELF file (EI_DATA " + data[5] + ", expected 1).");
                long shoff = (long)U64(0x28);
                int shentsize = U16(0x3A);
                long shnum = U16(0x3C);
                long shstrndx = U16(0x3E);
                if (shoff == 0) throw new ElfLayoutException("The ELF file has no section header table.");
                if (shentsize != 64) throw new ElfLayoutException("Unexpected ELF section header size " + shentsize + " (expected 64).");
                if (shnum == 0 || shstrndx == 0xffff)
                {
                    // Extended numbering: the real values live in section header 0.
                    Need(shoff, 64, "section header 0");
                    if (shnum == 0) shnum = (long)U64(shoff + 32);
                    if (shstrndx == 0xffff) shstrndx = U32(shoff + 40);
                }
                if (shnum <= 0 || shnum > 65535 * 16) throw new ElfLayoutException("Unexpected ELF section count " + shnum + ".");
                Need(shoff, shnum * 64, "section header table");
                _sections = new Section[shnum];
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + i * 64L;
                    var s = new Section
                    {
                        Index = i, Type = U32(h + 4), Addr = U64(h + 16), Offset = (long)U64(h + 24), Size = (long)U64(h + 32),
                        Link = U32(h + 40), Info = U32(h + 44), EntSize = (long)U64(h + 56),
                    };
                    if (s.Type != ShtNobits && s.Type != 0 && (s.Offset < 0 || s.Size < 0 || s.Offset > _d.Length || s.Size > _d.Length - s.Offset))
                        throw new ElfLayoutException("ELF section " + i + " lies outside the file.");
                    _sections[i] = s;
                }
            }

            void Need(long offset, long length, string what)
            {
                if (offset < 0 || length < 0 || offset > _d.Length || length > _d.Length - offset)
                    throw new ElfLayoutException("Unexpected ELF layout: " + what + " (offset " + offset + ", " + length + " bytes) lies outside the file (" + _d.Length + " bytes).");
            }

            ushort U16(long o) { Need(o, 2, "a 16-bit field"); return (ushort)(_d[o] | (_d[o + 1] << 8)); }
            uint U32(long o) { Need(o, 4, "a 32-bit field"); return (uint)(_d[o] | (_d[o + 1] << 8) | (_d[o + 2] << 16) | (_d[o + 3] << 24)); }
            ulong U64(long o) { Need(o, 8, "a 64-bit field"); return U32(o) | ((ulong)U32(o + 4) << 32); }

            Section SectionOfType(uint type, string name)
            {
                Section found = null;
                foreach (var s in _sections)
                {
                    if (s.Type != type) continue;
                    if (found != null) throw new ElfLayoutException("Unexpected ELF layout: more than one " + name + " section.");
                    found = s;
                }
                return found;
            }

            Section LinkedSection(Section s, string what)
            {
                if (s.Link == 0 || s.Link >= _sections.Length) throw new ElfLayoutException("Unexpected ELF layout: " + what + " links to section " + s.Link + ".");
                return _sections[s.Link];
            }

            string Str(Section strtab, uint offset)
            {
                if (strtab.Type != 3) throw new ElfLayoutException("Unexpected ELF layout: a string table reference points to section " + strtab.Index + " of type 0x" + strtab.Type.ToString("x") + ".");
                if (offset >= strtab.Size) throw new ElfLayoutException("Unexpected ELF layout: string offset " + offset + " beyond its table (" + strtab.Size + " bytes).");
                long start = strtab.Offset + offset, end = start;
                long limit = strtab.Offset + strtab.Size;
                while (end < limit && _d[end] != 0) end++;
                if (end == limit) throw new ElfLayoutException("Unexpected ELF layout: unterminated string at offset " + offset + ".");
                return Encoding.UTF8.GetString(_d, (int)start, (int)(end - start));
            }

            public IList<ElfVersionNeed> ReadVersionNeeds()
            {
                var result = new List<ElfVersionNeed>();
                Section vn = SectionOfType(ShtGnuVerneed, ".gnu.version_r");
                if (vn == null) return result;
                Section strtab = LinkedSection(vn, ".gnu.version_r");
                CheckDynamicVerneed(vn);
                long pos = vn.Offset, end = vn.Offset + vn.Size;
                for (uint i = 0; i < vn.Info; i++)
                {
                    if (pos < vn.Offset || pos + 16 > end) throw new ElfLayoutException("Unexpected ELF layout: Verneed entry " + i + " lies outside .gnu.version_r.");
                    ushort vnVersion = U16(pos);
                    if (vnVersion != 1) throw new ElfLayoutException("Unexpected Verneed version " + vnVersion + " (expected 1).");
                    ushort count = U16(pos + 2);
                    string library = Str(strtab, U32(pos + 4));
                    uint aux = U32(pos + 8), next = U32(pos + 12);
                    long a = pos + aux;
                    for (int j = 0; j < count; j++)
                    {
                        if (a < vn.Offset || a + 16 > end) throw new ElfLayoutException("Unexpected ELF layout: Vernaux entry " + j + " of " + library + " lies outside .gnu.version_r.");
                        result.Add(new ElfVersionNeed
                        {
                            Library = library, Flags = U16(a + 4), Index = U16(a + 6), Version = Str(strtab, U32(a + 8)), FlagsOffset = a + 4,
                        });
                        uint auxNext = U32(a + 12);
                        if (j < count - 1 && auxNext == 0) throw new ElfLayoutException("Unexpected ELF layout: the Vernaux chain of " + library + " ends after " + (j + 1) + " of " + count + " entries.");
                        a += auxNext;
                    }
                    if (i < vn.Info - 1 && next == 0) throw new ElfLayoutException("Unexpected ELF layout: the Verneed chain ends after " + (i + 1) + " of " + vn.Info + " entries.");
                    pos += next;
                }
                return result;
            }

            // The loader reads the requirements through DT_VERNEED, not through section headers: make sure both
            // describe the same bytes before trusting the section header.
            void CheckDynamicVerneed(Section vn)
            {
                Section dyn = SectionOfType(ShtDynamic, ".dynamic");
                if (dyn == null) throw new ElfLayoutException("Unexpected ELF layout: .gnu.version_r without a .dynamic section.");
                ulong? verneed = null, verneedNum = null;
                for (long o = dyn.Offset; o + 16 <= dyn.Offset + dyn.Size; o += 16)
                {
                    long tag = (long)U64(o);
                    if (tag == DtNull) break;
                    if (tag == DtVerneed) verneed = U64(o + 8);
                    else if (tag == DtVerneedNum) verneedNum = U64(o + 8);
                }
                if (verneed != vn.Addr || verneedNum != vn.Info)
                    throw new ElfLayoutException("Unexpected ELF layout: DT_VERNEED/DT_VERNEEDNUM (" + verneed + "/" + verneedNum + ") do not match the .gnu.version_r section header (" + vn.Addr + "/" + vn.Info + ").");
            }

            public ISet<string> ReadVersionDefinitions()
            {
                var result = new HashSet<string>(StringComparer.Ordinal);
                Section vd = SectionOfType(ShtGnuVerdef, ".gnu.version_d");
                if (vd == null) return result;
                Section strtab = LinkedSection(vd, ".gnu.version_d");
                long pos = vd.Offset, end = vd.Offset + vd.Size;
                for (uint i = 0; i < vd.Info; i++)
                {
                    if (pos < vd.Offset || pos + 20 > end) throw new ElfLayoutException("Unexpected ELF layout: Verdef entry " + i + " lies outside .gnu.version_d.");
                    if (U16(pos) != 1) throw new ElfLayoutException("Unexpected Verdef version " + U16(pos) + " (expected 1).");
                    ushort count = U16(pos + 6);
                    uint aux = U32(pos + 12), next = U32(pos + 16);
                    // The first Verdaux names the version itself; the others name its predecessors.
                    if (count > 0)
                    {
                        long a = pos + aux;
                        if (a < vd.Offset || a + 8 > end) throw new ElfLayoutException("Unexpected ELF layout: Verdaux entry lies outside .gnu.version_d.");
                        result.Add(Str(strtab, U32(a)));
                    }
                    if (i < vd.Info - 1 && next == 0) throw new ElfLayoutException("Unexpected ELF layout: the Verdef chain ends early.");
                    pos += next;
                }
                return result;
            }

            // Returns the dynamic symbols bound to version index <index>; throws when a relocation refers to one
            // of them (a weak, missing version would then leave a relocation unresolved).
            public IList<string> CheckVersionIndexUnrelocated(ushort index, string version)
            {
                var names = new List<string>();
                Section dynsym = SectionOfType(ShtDynsym, ".dynsym");
                Section versym = SectionOfType(ShtGnuVersym, ".gnu.version");
                if (dynsym == null || versym == null) throw new ElfLayoutException("Unexpected ELF layout: version requirements without .dynsym/.gnu.version.");
                if (dynsym.EntSize != 24) throw new ElfLayoutException("Unexpected .dynsym entry size " + dynsym.EntSize + " (expected 24).");
                long count = dynsym.Size / 24;
                if (versym.Size != count * 2) throw new ElfLayoutException("Unexpected ELF layout: .gnu.version has " + versym.Size / 2 + " entries for " + count + " symbols.");
                Section strtab = LinkedSection(dynsym, ".dynsym");
                var bound = new HashSet<long>();
                for (long i = 0; i < count; i++)
                {
                    if ((U16(versym.Offset + i * 2) & 0x7fff) != index) continue;
                    bound.Add(i);
                    names.Add(Str(strtab, U32(dynsym.Offset + i * 24)));
                }
                foreach (var s in _sections)
                {
                    if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsym.Index) continue;
                    long size = s.Type == ShtRela ? 24 : 16;
                    for (long o = s.Offset; o + size <= s.Offset + s.Size; o += size)
                    {
                        long sym = (long)(U64(o + 8) >> 32);
                        if (bound.Contains(sym))
                            throw new ElfLayoutException("Refusing to mark " + version + " weak: a relocation refers to symbol '" + names[0] + "' bound to it.");
                    }
                }
                return names;
            }
        }
    }

#if !MELGENRE_ELF_PATCHER_LOGIC_ONLY
    /// <summary>
    /// MSBuild task: for each file in <see cref="Files"/> that exists, marks the requirement
    /// <see cref="Version"/> weak when the system library that should provide it (found through the dynamic
    /// loader's cache) does not define it. Logs one high-importance message per patched file.
    /// </summary>
    public sealed class MelGenreMarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies to patch (output or publish folder copies, never the package cache).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; }

        /// <summary>The version requirement to relax, e.g. GLIBCXX_3.4.32.</summary>
        [Microsoft.Build.Framework.Required]
        public string Version { get; set; }

        /// <summary>Folders that must never be written (the NuGet package folders), separated by ';'.</summary>
        public string ProtectedFolders { get; set; }

        /// <summary>Execute.</summary>
        public override bool Execute()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                if (!seen.Add(path) || !File.Exists(path)) continue;
                if (IsProtected(path))
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "MelGenre: not patching '{0}': it is inside a NuGet package folder.", path);
                    continue;
                }
                try
                {
                    PatchOne(path);
                }
                catch (ElfLayoutException e)
                {
                    Log.LogError("MelGenre: cannot make '{0}' load on this system's libstdc++: {1} Set MelGenreSkipTorchSharpPatch=true to skip this step.", path, e.Message);
                }
                catch (IOException e)
                {
                    Log.LogError("MelGenre: cannot patch '{0}': {1}", path, e.Message);
                }
                catch (UnauthorizedAccessException e)
                {
                    Log.LogError("MelGenre: cannot patch '{0}': {1}", path, e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }

        void PatchOne(string path)
        {
            byte[] data = File.ReadAllBytes(path);
            ElfVersionNeed need = null;
            var needsByLibrary = new List<ElfVersionNeed>();
            foreach (var n in ElfVersionPatcher.ReadVersionNeeds(data))
                if (n.Version == Version) need = n;
            if (need == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "MelGenre: '{0}' does not require {1}; nothing to patch.", path, Version);
                return;
            }
            if (need.IsWeak)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "MelGenre: '{0}' already has a weak {1} requirement.", path, Version);
                return;
            }
            foreach (var n in ElfVersionPatcher.ReadVersionNeeds(data))
                if (n.Library == need.Library) needsByLibrary.Add(n);

            int machine = ElfVersionPatcher.ReadMachine(path);
            string system = ElfVersionPatcher.FindSystemLibrary(need.Library, machine);
            if (system == null)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "MelGenre: no system {0} found through the dynamic loader; '{1}' left unchanged.", need.Library, path);
                return;
            }
            ISet<string> defined = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(system));
            if (defined.Contains(Version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "MelGenre: {0} defines {1}; '{2}' needs no patch.", system, Version, path);
                return;
            }
            var otherMissing = new List<string>();
            foreach (var n in needsByLibrary)
                if (n.Version != Version && !n.IsWeak && !defined.Contains(n.Version)) otherMissing.Add(n.Version);
            if (otherMissing.Count > 0)
            {
                Log.LogWarning("MelGenre: {0} also lacks {1} required by '{2}'; marking only {3} weak will not make it load. '{2}' left unchanged.",
                    system, string.Join(", ", otherMissing), path, Version);
                return;
            }
            ElfPatchResult result = ElfVersionPatcher.MarkVersionNeedWeak(path, Version);
            if (result.Outcome == ElfPatchOutcome.Patched)
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "MelGenre: marked the {0} requirement of '{1}' weak ({2} lacks it; only {3} uses it). See docs/torchsharp-on-debian12.md; MelGenreSkipTorchSharpPatch=true turns this off.",
                    Version, path, system, string.Join(", ", result.Symbols));
        }

        bool IsProtected(string path)
        {
            if (string.IsNullOrEmpty(ProtectedFolders)) return false;
            foreach (string folder in ProtectedFolders.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                string f = folder.Trim();
                if (f.Length == 0) continue;
                string full = Path.GetFullPath(f);
                if (!full.EndsWith("/", StringComparison.Ordinal)) full += "/";
                if (path.StartsWith(full, StringComparison.Ordinal)) return true;
            }
            return false;
        }
    }
#endif
}
