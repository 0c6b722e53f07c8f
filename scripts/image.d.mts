export function debianMirror(): string;
export function buildImage(tag?: string): string;
