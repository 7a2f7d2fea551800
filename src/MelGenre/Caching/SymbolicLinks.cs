using System.IO;

namespace MelGenre.Caching;

/// <summary>Follows symbolic links to the file they finally point to, for cache keys.</summary>
internal static class SymbolicLinks
{
    /// <summary>
    /// The file <paramref name="fullPath"/> finally points to: itself when it is not a link, else the link's final target
    /// (which may not exist: a dangling link). Links in the folders above are resolved by the OS when the file is opened
    /// or stat-ed, so only the last component needs following.
    /// </summary>
    public static FileInfo ResolveFile(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (info.LinkTarget is null)
            return info;
        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
        }
        catch (IOException)
        {
            return info; // a link cycle: reported as missing when it cannot be read
        }
    }
}
