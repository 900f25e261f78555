export declare const PACKAGE_ROOT: string;
export declare function isCheckout(root?: string): boolean;
export declare function buildIsStale(root?: string): boolean;
