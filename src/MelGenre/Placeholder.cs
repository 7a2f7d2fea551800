namespace MelGenre;

/// <summary>Temporary.</summary>
public static class Placeholder { }
