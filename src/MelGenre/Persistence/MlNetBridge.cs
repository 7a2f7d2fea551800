using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MelGenre.Persistence;

/// <summary>
/// The one place where MelGenre reaches into ML.NET internals. ML.NET 5 offers no public way for an
/// outside library to (a) get the environment behind a catalog, (b) create <see cref="SchemaShape.Column"/>
/// values, (c) write a component into a model zip with <c>mlContext.Model.Save</c>, or (d) teach
/// <c>mlContext.Model.Load</c> how to read it back (dotnet/machinelearning issues 3243, 4911, 6839).
/// This file does those four things by reflection against the pinned Microsoft.ML version
/// (see <c>src/MelGenre/MelGenre.csproj</c>). Every member it needs is resolved once, eagerly, by
/// <see cref="Members"/>; if ML.NET moves one of them, the first use fails with a message that
/// names the missing member, and <c>MlNetBridgeTests</c> fails in CI.
/// </summary>
/// <remarks>
/// Saved format of every MelGenre component (the "header" below is ML.NET's own model header):
/// <list type="bullet">
/// <item>model signature <c>CUSTOMXF</c>, version 0x00010002, loader signature = the component's name
/// (e.g. <c>MelGenre.LoadAudio</c>), alternative loader signature <c>CustomTransformer</c>, loader assembly =
/// ML.NET's custom-mapping assembly (Microsoft.ML.Transforms);</item>
/// <item>payload: two strings in ML.NET's string table (<see cref="RegistrationRequiredContract"/> and the MelGenre
/// assembly name), then the component's own versioned payload.</item>
/// </list>
/// The first two items make a model load with a clear error when the loading MLContext does not know
/// MelGenre's loaders yet: ML.NET then falls back to its own custom-mapping loader, which looks up
/// <see cref="RegistrationRequiredContract"/> in MelGenre and runs <see cref="RegistrationRequiredFactory"/>,
/// whose only job is to explain which call is missing.
/// </remarks>
internal static class MlNetBridge
{
    /// <summary>Custom-mapping contract that exists only to report a missing registration.</summary>
    internal const string RegistrationRequiredContract = "MelGenre.RegistrationRequired";

    private const string HeaderSignature = "CUSTOMXF";
    private const uint HeaderVersion = 0x00010002;
    private const uint HeaderVersionReadBack = 0x00010001;
    private const string FallbackLoaderSignature = "CustomTransformer";
    private const int MaxLoaderSignatureLength = 24;

    private static readonly ConditionalWeakTable<ComponentCatalog, object> RegisteredCatalogs = new();
    private static readonly Lazy<ReflectedMembers> LazyMembers = new(ReflectedMembers.Resolve);

    /// <summary>The reflected ML.NET members; resolving them validates that this ML.NET version is supported.</summary>
    internal static ReflectedMembers Members => LazyMembers.Value;

    /// <summary>
    /// The header names ML.NET's custom-mapping assembly as "loader assembly", so that ML.NET registers the
    /// fallback loader before trying ours; MelGenre's own assembly name follows in the payload.
    /// </summary>
    private static string FallbackLoaderAssemblyName => typeof(Microsoft.ML.Transforms.CustomMappingFactoryAttributeAttribute).Assembly.FullName!;

    /// <summary>Name of the MelGenre assembly as written into model payloads.</summary>
    internal static string AssemblyName => typeof(MlNetBridge).Assembly.FullName!;

    /// <summary>Returns the <see cref="IHostEnvironment"/> (the user's <see cref="MLContext"/>) behind a catalog.</summary>
    internal static IHostEnvironment GetEnvironment(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var env = Members.CatalogEnvironment.GetValue(catalog) as IHostEnvironment;
        return env ?? throw new InvalidOperationException($"The catalog {catalog.GetType().Name} did not expose its ML.NET environment.");
    }

    /// <summary>Creates a schema-shape column (the constructor is internal in ML.NET).</summary>
    internal static SchemaShape.Column CreateColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        => (SchemaShape.Column)Members.SchemaShapeColumnCtor.Invoke(new object?[] { name, kind, itemType, isKey, annotations });

    /// <summary>Converts a <see cref="DataViewSchema"/> to the shape an estimator reports.</summary>
    internal static SchemaShape ToSchemaShape(DataViewSchema schema)
        => (SchemaShape)Members.SchemaShapeCreate.Invoke(null, new object[] { schema })!;

    /// <summary>Writes a MelGenre component: ML.NET header, the fallback strings, then <paramref name="writePayload"/>.</summary>
    internal static void SaveModel(ModelSaveContext ctx, string loaderSignature, Action<BinaryWriter> writePayload)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (loaderSignature.Length > MaxLoaderSignatureLength)
            throw new ArgumentException($"ML.NET loader signatures have at most {MaxLoaderSignatureLength} characters, got '{loaderSignature}'.", nameof(loaderSignature));
        var m = Members;
        m.SaveCheckAtModel.Invoke(ctx, null);
        var version = m.VersionInfoCtor.Invoke(new object?[]
        {
            HeaderSignature, HeaderVersion, HeaderVersion, HeaderVersionReadBack, FallbackLoaderAssemblyName, loaderSignature, FallbackLoaderSignature,
        });
        m.SetVersionInfo.Invoke(ctx, new[] { version });
        m.SaveString.Invoke(ctx, new object[] { RegistrationRequiredContract });
        m.SaveString.Invoke(ctx, new object[] { AssemblyName });
        var writer = (BinaryWriter)m.SaveWriter.GetValue(ctx)!;
        writePayload(writer);
    }

    /// <summary>Saves a named binary stream (e.g. network weights) next to the component's model stream.</summary>
    internal static void SaveBinaryStream(ModelSaveContext ctx, string name, Action<BinaryWriter> write)
        => Members.SaveBinaryStream.Invoke(ctx, new object[] { name, write });

    /// <summary>
    /// Validates the header of a MelGenre component being loaded and returns the reader positioned at its payload.
    /// <paramref name="loadContext"/> is ML.NET's (internal) ModelLoadContext.
    /// </summary>
    internal static BinaryReader OpenModel(object loadContext, string loaderSignature)
    {
        var m = Members;
        if (!m.ModelLoadContextType.IsInstanceOfType(loadContext))
            throw new ArgumentException($"Expected an ML.NET ModelLoadContext, got {loadContext?.GetType().FullName ?? "null"}.", nameof(loadContext));
        var version = m.VersionInfoCtor.Invoke(new object?[]
        {
            HeaderSignature, HeaderVersion, HeaderVersion, HeaderVersionReadBack, FallbackLoaderAssemblyName, loaderSignature, FallbackLoaderSignature,
        });
        m.LoadCheckAtModel.Invoke(loadContext, new[] { version });
        string contract = (string)m.LoadString.Invoke(loadContext, null)!;
        _ = (string)m.LoadString.Invoke(loadContext, null)!;
        if (contract != RegistrationRequiredContract)
            throw new InvalidDataException($"The model entry for {loaderSignature} is not a MelGenre component (found contract '{contract}').");
        return (BinaryReader)m.LoadReader.GetValue(loadContext)!;
    }

    /// <summary>Reads a named binary stream saved with <see cref="SaveBinaryStream"/>; false when absent.</summary>
    internal static bool TryLoadBinaryStream(object loadContext, string name, Action<BinaryReader> read)
        => (bool)Members.TryLoadBinaryStream.Invoke(loadContext, new object[] { name, read })!;

    /// <summary>
    /// Registers MelGenre's model loaders in the environment's component catalog, once per catalog.
    /// </summary>
    internal static void RegisterLoaders(IHostEnvironment env, IEnumerable<ComponentLoader> loaders)
    {
        ArgumentNullException.ThrowIfNull(env);
        var catalog = env.ComponentCatalog;
        lock (RegisteredCatalogs)
        {
            if (RegisteredCatalogs.TryGetValue(catalog, out _))
                return;
            var m = Members;
            object catalogLock = m.CatalogLock.GetValue(catalog)!;
            lock (catalogLock)
            {
                foreach (var loader in loaders)
                {
                    var attr = m.LoadableClassAttributeCtor.Invoke(new object?[]
                    {
                        loader.InstanceType, loader.InstanceType, null, m.SignatureLoadModelType, loader.UserName, new[] { loader.LoaderSignature },
                    });
                    var info = m.LoadableClassInfoCtor.Invoke(new object?[] { attr, null, null, loader.CreateMethod, true });
                    m.AddClass.Invoke(catalog, new object[] { info, new[] { loader.LoaderSignature }, false });
                }
            }
            RegisteredCatalogs.AddOrUpdate(catalog, new object());
        }
    }

    /// <summary>A loader to register: the signature written in the header, and a static
    /// <c>object Create(IHostEnvironment env, object modelLoadContext)</c> method.</summary>
    internal sealed record ComponentLoader(string LoaderSignature, Type InstanceType, MethodInfo CreateMethod, string UserName);

    /// <summary>All ML.NET internals used above, resolved by name.</summary>
    internal sealed class ReflectedMembers
    {
        public required PropertyInfo CatalogEnvironment { get; init; }
        public required ConstructorInfo SchemaShapeColumnCtor { get; init; }
        public required MethodInfo SchemaShapeCreate { get; init; }
        public required ConstructorInfo VersionInfoCtor { get; init; }
        public required MethodInfo SaveCheckAtModel { get; init; }
        public required MethodInfo SetVersionInfo { get; init; }
        public required MethodInfo SaveString { get; init; }
        public required FieldInfo SaveWriter { get; init; }
        public required MethodInfo SaveBinaryStream { get; init; }
        public required Type ModelLoadContextType { get; init; }
        public required MethodInfo LoadCheckAtModel { get; init; }
        public required MethodInfo LoadString { get; init; }
        public required FieldInfo LoadReader { get; init; }
        public required MethodInfo TryLoadBinaryStream { get; init; }
        public required Type SignatureLoadModelType { get; init; }
        public required ConstructorInfo LoadableClassAttributeCtor { get; init; }
        public required ConstructorInfo LoadableClassInfoCtor { get; init; }
        public required MethodInfo AddClass { get; init; }
        public required FieldInfo CatalogLock { get; init; }

        private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

        internal static ReflectedMembers Resolve()
        {
            var core = typeof(ComponentCatalog).Assembly;          // Microsoft.ML.Core
            var data = typeof(MLContext).Assembly;                  // Microsoft.ML.Data
            var missing = new List<string>();

            T Need<T>(T? value, string what) where T : class
            {
                if (value is null)
                    missing.Add(what);
                return value!;
            }

            Type? T(Assembly a, string name) => a.GetType(name, throwOnError: false);

            var internalCatalog = Need(T(data, "Microsoft.ML.Data.IInternalCatalog"), "Microsoft.ML.Data.IInternalCatalog");
            var versionInfo = Need(T(core, "Microsoft.ML.VersionInfo"), "Microsoft.ML.VersionInfo");
            var loadCtx = Need(T(core, "Microsoft.ML.ModelLoadContext"), "Microsoft.ML.ModelLoadContext");
            var sigLoad = Need(T(core, "Microsoft.ML.SignatureLoadModel"), "Microsoft.ML.SignatureLoadModel");
            var lcAttr = Need(T(core, "Microsoft.ML.LoadableClassAttribute"), "Microsoft.ML.LoadableClassAttribute");
            var lcInfo = Need(typeof(ComponentCatalog).GetNestedType("LoadableClassInfo", BindingFlags.NonPublic | BindingFlags.Public), "ComponentCatalog.LoadableClassInfo");
            var lcBase = Need(T(core, "Microsoft.ML.LoadableClassAttributeBase"), "Microsoft.ML.LoadableClassAttributeBase");
            if (missing.Count > 0)
                throw Unsupported(missing);

            var members = new ReflectedMembers
            {
                CatalogEnvironment = Need(internalCatalog.GetProperty("Environment", Any), "IInternalCatalog.Environment"),
                SchemaShapeColumnCtor = Need(typeof(SchemaShape.Column).GetConstructor(Any, null,
                    new[] { typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape) }, null), "SchemaShape.Column(..)"),
                SchemaShapeCreate = Need(typeof(SchemaShape).GetMethod("Create", Any, null, new[] { typeof(DataViewSchema) }, null), "SchemaShape.Create(DataViewSchema)"),
                VersionInfoCtor = Need(versionInfo.GetConstructor(Any, null,
                    new[] { typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string) }, null), "VersionInfo(..)"),
                SaveCheckAtModel = Need(typeof(ModelSaveContext).GetMethod("CheckAtModel", Any, null, Type.EmptyTypes, null), "ModelSaveContext.CheckAtModel()"),
                SetVersionInfo = Need(typeof(ModelSaveContext).GetMethod("SetVersionInfo", Any, null, new[] { versionInfo }, null), "ModelSaveContext.SetVersionInfo"),
                SaveString = Need(typeof(ModelSaveContext).GetMethod("SaveString", Any, null, new[] { typeof(string) }, null), "ModelSaveContext.SaveString(string)"),
                SaveWriter = Need(typeof(ModelSaveContext).GetField("Writer", Any), "ModelSaveContext.Writer"),
                SaveBinaryStream = Need(typeof(ModelSaveContext).GetMethod("SaveBinaryStream", Any, null, new[] { typeof(string), typeof(Action<BinaryWriter>) }, null), "ModelSaveContext.SaveBinaryStream"),
                ModelLoadContextType = loadCtx,
                LoadCheckAtModel = Need(loadCtx.GetMethod("CheckAtModel", Any, null, new[] { versionInfo }, null), "ModelLoadContext.CheckAtModel(VersionInfo)"),
                LoadString = Need(loadCtx.GetMethod("LoadString", Any, null, Type.EmptyTypes, null), "ModelLoadContext.LoadString()"),
                LoadReader = Need(loadCtx.GetField("Reader", Any), "ModelLoadContext.Reader"),
                TryLoadBinaryStream = Need(loadCtx.GetMethod("TryLoadBinaryStream", Any, null, new[] { typeof(string), typeof(Action<BinaryReader>) }, null), "ModelLoadContext.TryLoadBinaryStream"),
                SignatureLoadModelType = sigLoad,
                LoadableClassAttributeCtor = Need(lcAttr.GetConstructor(Any, null,
                    new[] { typeof(Type), typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[]) }, null), "LoadableClassAttribute(..)"),
                LoadableClassInfoCtor = Need(lcInfo.GetConstructor(Any, null,
                    new[] { lcBase, typeof(MethodInfo), typeof(ConstructorInfo), typeof(MethodInfo), typeof(bool) }, null), "LoadableClassInfo(..)"),
                AddClass = Need(typeof(ComponentCatalog).GetMethod("AddClass", Any, null, new[] { lcInfo, typeof(string[]), typeof(bool) }, null), "ComponentCatalog.AddClass"),
                CatalogLock = Need(typeof(ComponentCatalog).GetField("_lock", Any), "ComponentCatalog._lock"),
            };
            if (missing.Count > 0)
                throw Unsupported(missing);
            return members;
        }

        private static NotSupportedException Unsupported(IEnumerable<string> missing)
        {
            var version = typeof(MLContext).Assembly.GetName().Version;
            return new NotSupportedException(
                $"MelGenre cannot save or load models with this version of Microsoft.ML ({version}): ML.NET internals it relies on were not found: " +
                string.Join(", ", missing) + ". Use the Microsoft.ML version MelGenre was built against.");
        }
    }
}
